"""Jishi (集市): an open-source multi-merchant online marketplace."""

__version__ = "0.1.0"
