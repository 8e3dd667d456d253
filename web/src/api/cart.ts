import { api, data } from './http'
import type { CartItemInput, CartItemPatch, CartSelection } from './types'

const item = (itemId: string) => ({ path: { item_id: itemId } })

/** The cart (购物车): guests have one through an httpOnly cookie, merged into theirs at login. */
export const cartApi = {
  get: () => data(api.GET('/cart')),
  add: (body: CartItemInput) => data(api.POST('/cart/items', { body })),
  update: (itemId: string, body: CartItemPatch) => data(api.PATCH('/cart/items/{item_id}', { params: item(itemId), body })),
  remove: (itemId: string) => data(api.DELETE('/cart/items/{item_id}', { params: item(itemId) })),
  /** Select or deselect lines; without `item_ids`, every line. */
  select: (body: CartSelection) => data(api.POST('/cart/selection', { body })),
}
