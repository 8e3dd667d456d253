import { api, data, upload, type UploadOptions } from './http'
import type { MediaUpdate } from './types'

const product = (shopId: string, productId: string) => ({ shop_id: shopId, product_id: productId })
const media = (shopId: string, productId: string, mediaId: string) => ({
  path: { ...product(shopId, productId), media_id: mediaId },
})

/** A product's images (ordered, one main image) and its one video. */
export const mediaApi = {
  list: (shopId: string, productId: string) =>
    data(api.GET('/shops/{shop_id}/products/{product_id}/media', { params: { path: product(shopId, productId) } })),
  uploadImage: (shopId: string, productId: string, file: File, options: UploadOptions = {}) =>
    upload('/shops/{shop_id}/products/{product_id}/images', product(shopId, productId), file, options),
  uploadVideo: (shopId: string, productId: string, file: File, options: UploadOptions = {}) =>
    upload('/shops/{shop_id}/products/{product_id}/video', product(shopId, productId), file, options),
  /** Every image id in the new order; answers the new list. */
  reorder: (shopId: string, productId: string, mediaIds: string[]) =>
    data(
      api.PUT('/shops/{shop_id}/products/{product_id}/images/order', {
        params: { path: product(shopId, productId) },
        body: { media_ids: mediaIds },
      }),
    ),
  update: (shopId: string, productId: string, mediaId: string, body: MediaUpdate) =>
    data(
      api.PATCH('/shops/{shop_id}/products/{product_id}/media/{media_id}', {
        params: media(shopId, productId, mediaId),
        body,
      }),
    ),
  remove: (shopId: string, productId: string, mediaId: string) =>
    data(
      api.DELETE('/shops/{shop_id}/products/{product_id}/media/{media_id}', { params: media(shopId, productId, mediaId) }),
    ),
}
