import { http } from './http'
import type {
  Brand,
  BrandCreate,
  BrandPage,
  BrandUpdate,
  Category,
  CategoryCreate,
  CategoryNode,
  CategoryUpdate,
  Synonym,
  SynonymPage,
} from './types'

const enc = encodeURIComponent

/** The platform's catalog: the category tree, brands, and the search synonym list. */
export const adminCatalogApi = {
  /** The whole tree, disabled categories included. */
  categories: () => http.get<CategoryNode[]>('/admin/categories'),
  createCategory: (body: CategoryCreate) => http.post<Category>('/admin/categories', body),
  updateCategory: (categoryId: string, body: CategoryUpdate) =>
    http.patch<Category>(`/admin/categories/${enc(categoryId)}`, body),
  deleteCategory: (categoryId: string) => http.delete(`/admin/categories/${enc(categoryId)}`),

  brands: (q?: string, cursor?: string | null, limit = 50) =>
    http.get<BrandPage>('/admin/brands', { q, cursor, limit }),
  createBrand: (body: BrandCreate) => http.post<Brand>('/admin/brands', body),
  updateBrand: (brandId: string, body: BrandUpdate) => http.patch<Brand>(`/admin/brands/${enc(brandId)}`, body),

  synonyms: (cursor?: string | null, limit = 50) =>
    http.get<SynonymPage>('/admin/search/synonyms', { cursor, limit }),
  createSynonym: (terms: string[]) => http.post<Synonym>('/admin/search/synonyms', { terms }),
  updateSynonym: (synonymId: string, terms: string[]) =>
    http.put<Synonym>(`/admin/search/synonyms/${enc(synonymId)}`, { terms }),
  deleteSynonym: (synonymId: string) => http.delete(`/admin/search/synonyms/${enc(synonymId)}`),
}
