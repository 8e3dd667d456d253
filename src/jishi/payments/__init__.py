"""Payments (支付): one payment per checkout, paid through a channel's provider."""
