"""render_cell called straight (etl/site/hooks.py): the same answers as pluggy's, and pluggy's own
call whenever it could differ."""

from __future__ import annotations

from typing import Any

import pluggy
import pytest
from datasette.plugins import pm as datasette_plugins

from etl.site.hooks import DirectHook, call_directly
from tests.conftest import Client

spec = pluggy.HookspecMarker("t")
impl = pluggy.HookimplMarker("t")


class Spec:
    @spec
    def render_cell(self, value: Any, column: str, table: str) -> Any:
        """A cell."""


class Long:
    @impl
    def render_cell(self, value: Any, column: str) -> Any:
        return f"long:{value}" if isinstance(value, str) and len(value) > 3 else None


class Everything:
    @impl
    def render_cell(self, value: Any) -> Any:
        if value == "boom":
            raise ValueError("boom")
        return f"all:{value}"


class Wrapper:
    @impl(wrapper=True)
    def render_cell(self, value: Any) -> Any:
        found = yield
        return [*found, "wrapped"]


def manager(*plugins: object) -> pluggy.PluginManager:
    found = pluggy.PluginManager("t")
    found.add_hookspecs(Spec)
    for plugin in plugins:
        found.register(plugin)
    return found


CALLS = [
    {"value": "abcdef", "column": "c", "table": "t"},
    {"value": "ab", "column": "c", "table": "t"},
    {"value": None, "column": "c", "table": "t"},
]


@pytest.mark.parametrize("plugins", [(Long(),), (Long(), Everything()), (Everything(), Long()), ()])
def test_the_direct_call_answers_as_pluggy(plugins: tuple[object, ...]) -> None:
    expected = [manager(*plugins).hook.render_cell(**call) for call in CALLS]
    direct = manager(*plugins)
    call_directly(direct)
    assert isinstance(direct.hook.render_cell, DirectHook)
    assert [direct.hook.render_cell(**call) for call in CALLS] == expected


def test_a_plugin_registered_after_is_called_too() -> None:
    direct = manager(Long())
    call_directly(direct)
    direct.register(Everything())
    assert direct.hook.render_cell(**CALLS[0]) == manager(Long(), Everything()).hook.render_cell(**CALLS[0])


@pytest.mark.filterwarnings("ignore:Argument.*cannot be found in this hook call")
def test_wrappers_missing_arguments_and_errors_are_pluggy_s() -> None:
    direct = manager(Long(), Wrapper())
    call_directly(direct)
    assert direct.hook.render_cell(**CALLS[0]) == ["long:abcdef", "wrapped"]
    direct = manager(Long(), Everything())
    call_directly(direct)
    with pytest.raises(pluggy.HookCallError):
        direct.hook.render_cell(value="abcdef")  # Long names column
    with pytest.raises(ValueError, match="boom"):
        direct.hook.render_cell(value="boom", column="c", table="t")


def test_a_traced_manager_is_called_through_pluggy() -> None:
    direct = manager(Long())
    call_directly(direct)
    seen: list[str] = []
    direct.add_hookcall_monitoring(lambda name, impls, kwargs: seen.append(name), lambda *a: None)
    assert direct.hook.render_cell(**CALLS[0]) == ["long:abcdef"]
    assert seen == ["render_cell"]


def test_the_site_s_app_calls_render_cell_straight(client: Client) -> None:
    page = client.get("/diplomacy/articles")
    assert page.status_code == 200
    assert isinstance(datasette_plugins.hook.render_cell, DirectHook)
    assert 'class="long-text"' in page.text  # the site's previews of long text, by its render_cell


@pytest.mark.parametrize(
    "text",
    ["000001_0d29c541e809d71d", "", "articles", "a-b_C9", "a.b", "a b", "/foo/bar", "~2F", "Liège",
     "né?x=1&y", "東京", "tab\there", "100%", "a+b", "Z" * 300],
)  # fmt: skip
def test_plain_first_encodes_as_datasette_does(text: str) -> None:
    from datasette.utils import tilde_encode

    from etl.site.hooks import plain_first

    original = getattr(tilde_encode, "__wrapped__", tilde_encode)
    assert plain_first(original)(text) == original(text)


def test_encode_plainly_is_installed_once_where_datasette_calls_it(client: Client) -> None:
    import datasette.url_builder
    import datasette.utils
    import datasette.views.table

    from etl.site.hooks import TILDE_CALLERS, encode_plainly

    client.get("/diplomacy/articles")  # the app is wrapped on its first request
    modules = (datasette.utils, datasette.url_builder, datasette.views.table)
    assert [m.__name__ for m in modules] == list(TILDE_CALLERS)
    installed = [m.tilde_encode for m in modules]
    assert all(not hasattr(f.__wrapped__, "__wrapped__") for f in installed)
    encode_plainly()
    assert [m.tilde_encode for m in modules] == installed
    assert datasette.utils.path_from_row_pks({"id": "a/b"}, ["id"], False) == "a~2Fb"
