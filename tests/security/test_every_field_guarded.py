"""Every root field of the schema carries a role permission, so a new field cannot ship unguarded."""

from __future__ import annotations

from strawberry.permission import PermissionExtension

from api.permissions import RolePermission
from api.schema import build_schema


def test_every_root_field_has_a_role_permission() -> None:
    schema = build_schema()
    unguarded = []
    for root in ("Query", "Mutation", "Subscription"):
        definition = schema.get_type_by_name(root)
        assert definition is not None
        for field in definition.fields:  # type: ignore[union-attr]
            permissions = [p for ext in field.extensions if isinstance(ext, PermissionExtension)
                           for p in ext.permissions]
            if not any(isinstance(p, RolePermission) for p in permissions):
                unguarded.append(f"{root}.{field.python_name}")
    assert unguarded == []
