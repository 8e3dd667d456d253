"""Shopping cart (购物车): guest carts by cookie, user carts, merged at login."""
