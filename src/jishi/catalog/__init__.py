"""Catalog (商品): categories, brands, products (SPU), SKUs and their media."""
