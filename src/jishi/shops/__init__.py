"""Shops (店铺): applications, approval, membership of owners and staff."""
