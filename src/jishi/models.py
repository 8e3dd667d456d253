"""Imports every package's tables so that metadata (and Alembic) sees them all."""


def import_all_models() -> None:
    import jishi.accounts.models
    import jishi.cart.models
    import jishi.catalog.models
    import jishi.core.events
    import jishi.core.idempotency
    import jishi.core.jobs
    import jishi.inventory.models
    import jishi.orders.models
    import jishi.payments.models
    import jishi.privacy.models
    import jishi.search.models
    import jishi.shops.models  # noqa: F401
