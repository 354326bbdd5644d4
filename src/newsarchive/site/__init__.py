"""Everything particular to kinhtedothi.vn: addresses, layouts and their selectors, labels."""
