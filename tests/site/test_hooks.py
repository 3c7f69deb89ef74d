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
