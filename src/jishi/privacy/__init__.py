"""Buyers' personal data as others reach it: virtual numbers (隐私号) and the access log."""
