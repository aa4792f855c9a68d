from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from civic.actors import Actor
from civic.errors import Conflict, InvalidInput
from civic.models import ApiClient
from civic.registry import api_scopes


@transaction.atomic
def api_client_create(*, actor: Actor, name: str, scopes: list[str]) -> tuple[ApiClient, str]:
    """Create a client and return it with its key: the only time the key is ever seen."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("Give the API client a name."), field="name")
    known = [scope.code for scope in api_scopes()]
    unknown = sorted(set(scopes) - set(known))
    if unknown:
        raise InvalidInput(
            _("Unknown scope(s): %(unknown)s. Known scopes: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(known)},
            field="scopes",
        )
    if ApiClient.objects.filter(name=name).exists():
        raise Conflict(
            _("An API client named %(name)s already exists.") % {"name": name}, field="name"
        )
    key = ApiClient.new_key()
    client = ApiClient.objects.create(
        name=name,
        key_hash=ApiClient.hash_key(key),
        key_prefix=key[:12],
        scopes=sorted(set(scopes)),
    )
    return client, key
