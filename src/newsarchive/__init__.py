"""newsarchive: archive kinhtedothi.vn completely and faithfully."""
