import { api, data } from './http'
import type { SearchSort } from './types'

/** Parameters of `GET /products`; arrays are repeated parameters. */
export interface ProductSearchParams {
  q?: string
  category_id?: string
  shop_id?: string
  brand_id?: string[]
  price_min_fen?: number
  price_max_fen?: number
  in_stock?: boolean
  /** `name:value` pairs, e.g. `颜色:黑色`. */
  spec?: string[]
  sort?: SearchSort
  limit?: number
  cursor?: string | null
  facets?: boolean
}

export const searchApi = {
  products: (params: ProductSearchParams, signal?: AbortSignal) =>
    data(
      api.GET('/products', {
        params: {
          query: {
            q: params.q,
            category_id: params.category_id,
            shop_id: params.shop_id,
            brand_id: params.brand_id,
            price_min_fen: params.price_min_fen,
            price_max_fen: params.price_max_fen,
            in_stock: params.in_stock ? true : undefined,
            spec: params.spec,
            sort: params.sort,
            limit: params.limit ?? 20,
            cursor: params.cursor,
            facets: params.facets ? true : undefined,
          },
        },
        signal,
      }),
    ),
  suggest: (q: string, limit = 10, signal?: AbortSignal) =>
    data(api.GET('/search/suggest', { params: { query: { q, limit } }, signal })),
  hot: (limit = 10) => data(api.GET('/search/hot', { params: { query: { limit } } })),
}
