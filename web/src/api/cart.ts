import { http } from './http'
import type { Cart, CartItem, CartItemInput, CartItemPatch, CartSelection } from './types'

const itemPath = (itemId: string) => `/cart/items/${encodeURIComponent(itemId)}`

/** The cart (购物车): guests have one through an httpOnly cookie, merged into theirs at login. */
export const cartApi = {
  get: () => http.get<Cart>('/cart'),
  add: (body: CartItemInput) => http.post<CartItem>('/cart/items', body),
  update: (itemId: string, body: CartItemPatch) => http.patch<CartItem>(itemPath(itemId), body),
  remove: (itemId: string) => http.delete(itemPath(itemId)),
  /** Select or deselect lines; without `item_ids`, every line. */
  select: (body: CartSelection) => http.post<Cart>('/cart/selection', body),
}
