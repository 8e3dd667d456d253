/**
 * API shapes, taken from the backend's OpenAPI document.
 *
 * schema.d.ts is generated from openapi.json by `npm run gen:api` (openapi-typescript);
 * the backend writes openapi.json with `jishi openapi`. Never edit schema.d.ts by hand:
 * regenerate it, and let the type check show what changed.
 */
import type { components } from './schema'

type Schemas = components['schemas']

export type User = Schemas['UserOut']
export type Role = User['roles'][number]
export type AuthResult = Schemas['TokenOut']
export type RegisterInput = Schemas['RegisterIn']
export type LoginInput = Schemas['LoginIn']
export type ProfileUpdate = Schemas['ProfileUpdateIn']

export type Address = Schemas['AddressOut']
export type AddressInput = Schemas['AddressIn']

export type Shop = Schemas['ShopOut']
export type ShopStatus = Shop['status']
export type MyShop = Schemas['MyShopOut']
export type MemberRole = MyShop['role']
export type ShopCreate = Schemas['ShopApplyIn']
export type ShopUpdate = Schemas['ShopUpdateIn']
export type Member = Schemas['MemberOut']
export type Invitation = Schemas['InvitationOut']
export type InvitationStatus = Invitation['status']
export type InvitationCreate = Schemas['InviteIn']
export type ShopOwner = Schemas['OwnerOut']
export type AdminShop = Schemas['AdminShopOut']
export type ReasonInput = Schemas['ReasonIn']

/** One page of a list: `{items, next_cursor}`; pass `next_cursor` back as `cursor`. */
export type AddressPage = Schemas['Page_AddressOut_']
export type AdminShopPage = Schemas['Page_AdminShopOut_']
export type InvitationPage = Schemas['Page_InvitationOut_']
export type MemberPage = Schemas['Page_MemberOut_']
export type MyShopPage = Schemas['Page_MyShopOut_']
export type ShopPage = Schemas['Page_ShopOut_']
