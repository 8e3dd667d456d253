"""Rows staged in a unit of work are written together, parents first, defaults applied."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jishi.accounts.events import UserRegistered
from jishi.accounts.models import User, UserRole
from jishi.core.context import AppContext
from jishi.core.db import staging
from jishi.core.events import OutboxMessage
from jishi.core.ids import new_id

# Untyped rows (plain dicts): these tests stage whatever they need, misspelt columns included.
USERS = staging(User, dict)
USER_ROLES = staging(UserRole, dict)


def _user(user_id: str, ctx: AppContext) -> dict[str, object]:
    now = ctx.clock.now()
    return {
        "id": user_id,
        "email_lookup": f"lookup-{user_id}",
        "email_ciphertext": "x",
        "password_hash": "x",
        "nickname": "小林",
        "created_at": now,
        "updated_at": now,
    }


async def test_staged_rows_land_with_the_commit_parents_first(app_ctx: AppContext) -> None:
    user_id = new_id()
    async with app_ctx.database.uow() as uow:
        # The child first: the write still puts users before user_roles (foreign-key order).
        uow.stage(USER_ROLES, [{"user_id": user_id, "role": "customer_service", "granted_at": uow.now()}])
        uow.stage(USERS, [_user(user_id, app_ctx)])
        uow.publish(UserRegistered(user_id=user_id))
        await uow.commit()

    async with app_ctx.database.uow() as uow:
        user = await uow.session.get(User, user_id)
        assert user is not None and user.status == "active"  # the column's default
        roles = await uow.session.scalars(select(UserRole.role).where(UserRole.user_id == user_id))
        assert list(roles) == ["customer_service"]
        registered = select(OutboxMessage).where(OutboxMessage.topic == UserRegistered.topic)
        message = await uow.session.scalar(registered)
        assert message is not None and message.payload == {"user_id": user_id}
        assert message.status == "pending" and len(message.id) == 26


async def test_a_statement_sees_what_was_staged_and_a_rollback_drops_it(app_ctx: AppContext) -> None:
    first, second = new_id(), new_id()
    async with app_ctx.database.uow() as uow:
        uow.stage(USERS, [_user(first, app_ctx), _user(second, app_ctx) | {"status": "disabled"}])
        statuses = await uow.execute(select(User.id, User.status).where(User.id.in_([first, second])))
        assert dict(statuses.all()) == {first: "active", second: "disabled"}
        await uow.rollback()
        dropped = new_id()
        uow.stage(USERS, [_user(dropped, app_ctx)])  # staged, never written
        await uow.rollback()
        await uow.commit()
    async with app_ctx.database.uow() as uow:
        left = select(func.count()).select_from(User).where(User.id.in_([first, second, dropped]))
        assert await uow.session.scalar(left) == 0


async def test_a_column_that_does_not_exist_is_refused(app_ctx: AppContext) -> None:
    async with app_ctx.database.uow() as uow:
        uow.stage(USERS, [_user(new_id(), app_ctx) | {"nick_name": "typo"}])
        with pytest.raises(ValueError, match="nick_name"):
            await uow.commit()


async def test_a_staged_row_may_refer_to_a_row_of_the_session(app_ctx: AppContext) -> None:
    """The order of writes is the same at a statement and at commit: the session's changes,
    then the staged rows."""
    for write_before_commit in (False, True):
        user_id = new_id()
        async with app_ctx.database.uow() as uow:
            uow.session.add(User(**_user(user_id, app_ctx)))
            uow.stage(USER_ROLES, [{"user_id": user_id, "role": "customer_service", "granted_at": uow.now()}])
            if write_before_commit:
                await uow.execute(select(func.count()).select_from(UserRole))
            await uow.commit()
        async with app_ctx.database.uow() as uow:
            roles = await uow.session.scalars(select(UserRole.role).where(UserRole.user_id == user_id))
            assert list(roles) == ["customer_service"]


async def test_a_unit_of_work_is_used_once(app_ctx: AppContext) -> None:
    uow = app_ctx.database.uow()
    async with uow:
        pass
    with pytest.raises(RuntimeError, match="used once"):
        async with uow:
            pass
