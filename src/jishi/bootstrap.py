"""Wiring: which package reacts to which, in one place.

Every process (a web worker, ``jishi worker``, a test) calls ``wire()`` once before work,
so they all wire the same way and nothing registers itself as a side effect of an import:

- error codes of each package (``core.errors.register_errors``);
- events: every event type a package publishes, with the handlers that consume it from the
  outbox, or marked external-only (published for outside consumers and later modules);
- in-transaction listeners: a payment's orders become paid in the transaction that marks
  the payment paid;
- roles other packages report in ``/me``;
- sign-in hooks: signing in (register, login, refresh) takes over the browser's guest cart;
- pricing contributors (``jishi.pricing.contributors``), each with its phase: shipping today;
  promotions, member prices, coupons and points register here with one line each;
- periodic jobs and their intervals.

``tests/test_bootstrap.py`` checks that every event a package publishes is declared here.
"""

from __future__ import annotations

from jishi.accounts import api as accounts_api
from jishi.accounts import errors as account_errors
from jishi.accounts import events as account_events
from jishi.accounts import service as accounts
from jishi.cart import api as cart_api
from jishi.cart import errors as cart_errors
from jishi.catalog import events as catalog_events
from jishi.core import events as outbox
from jishi.core import idempotency
from jishi.core.errors import register_errors
from jishi.core.events import EVENTS, Event
from jishi.core.jobs import schedule
from jishi.inventory import errors as inventory_errors
from jishi.inventory import events as inventory_events
from jishi.orders import errors as order_errors
from jishi.orders import events as order_events
from jishi.orders import jobs as order_jobs
from jishi.orders import service as orders
from jishi.payments import errors as payment_errors
from jishi.payments import events as payment_events
from jishi.payments import jobs as payment_jobs
from jishi.payments import service as payments
from jishi.pricing.contributors import CONTRIBUTORS, Phase
from jishi.privacy import errors as privacy_errors
from jishi.search import handlers as search
from jishi.shops import events as shop_events
from jishi.shops import service as shops
from jishi.shops.pricing import FlatShippingRule

_wired = False


def wire() -> None:
    """Register everything once per process (later calls do nothing)."""
    global _wired
    if _wired:
        return
    for codes in (
        account_errors.ERRORS,
        cart_errors.ERRORS,
        inventory_errors.ERRORS,
        order_errors.ERRORS,
        payment_errors.ERRORS,
        privacy_errors.ERRORS,
    ):
        register_errors(codes)
    _declare_events()
    payments.on_payment_paid(orders.mark_payment_orders_paid)
    accounts.add_role_source(shops.member_roles)
    accounts_api.on_sign_in(cart_api.take_guest_cart)
    CONTRIBUTORS.register(Phase.SHIPPING, FlatShippingRule())
    _schedule_jobs()
    _wired = True


def _declare_events() -> None:
    declare = EVENTS.declare
    # Search keeps its index in step with products and shops.
    declare(catalog_events.ProductChanged, search.on_product_changed)
    declare(inventory_events.AvailabilityChanged, search.on_product_changed)
    declare(shop_events.ShopActivated, search.on_shop_status_changed)
    declare(shop_events.ShopSuspended, search.on_shop_status_changed)
    # No consumer inside the application yet.
    external: tuple[type[Event], ...] = (
        catalog_events.CategoryChanged,
        shop_events.ShopApplied,
        shop_events.ShopRejected,
        shop_events.ShopMemberRemoved,
        shop_events.ShopStaffInvited,
        shop_events.ShopMemberJoined,
        account_events.UserRegistered,
        account_events.RefreshTokenReplayed,
        account_events.PasswordChanged,
        account_events.RoleGranted,
        order_events.OrderCreated,
        *order_events.MOVED_TO.values(),
        payment_events.PaymentPaid,
        payment_events.PaymentClosed,
        payment_events.PaymentRefunded,
    )
    for event_type in external:
        declare(event_type, external=True)


def _schedule_jobs() -> None:
    """Periodic jobs and how often each runs (each runs once per interval across processes,
    see ``core.jobs``)."""
    schedule("outbox.purge_delivered", 600, outbox.purge_delivered_job)
    schedule("idempotency.purge_expired", 3600, idempotency.purge_expired_job)
    schedule("orders.cancel_overdue", 15, order_jobs.cancel_overdue)
    schedule("orders.complete_overdue", 300, order_jobs.complete_overdue)
    schedule("payments.reconcile", 30, payment_jobs.reconcile_pending_payments)
    schedule("payments.sandbox_notifications", 5, payment_jobs.send_sandbox_notifications)
