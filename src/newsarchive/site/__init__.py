"""Everything particular to kinhtedothi.vn: addresses, layouts and their selectors, labels."""

from datetime import timedelta, timezone

# The newspaper's name, as citations give it.
NEWSPAPER = "Kinh tế & Đô thị"
# The site publishes in Hanoi time: UTC+07:00, no daylight saving.
HANOI = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
