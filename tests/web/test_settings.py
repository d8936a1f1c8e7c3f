"""palettekit.web.settings: the server's limits, checked, and the options they bound."""

from __future__ import annotations

import dataclasses
import re

import pytest

from palettekit.errors import OptionsError
from palettekit.options import Options, web_option_names
from palettekit.web.settings import Settings


@pytest.mark.parametrize(
    "changes",
    [
        {"port": 70000},
        {"port": -1},
        {"max_upload_bytes": 0},
        {"workers": 0},
        {"queue_size": -1},
        {"request_timeout": 0},
        {"fetch_timeout": float("nan")},
        {"max_k": True},
        {"options": {"k": 3}},
    ],
)
def test_bad_settings_are_refused(changes):
    with pytest.raises(OptionsError):
        Settings(**changes)


def test_base_options_apply_the_server_limits():
    settings = Settings(
        max_upload_bytes=1234,
        max_image_pixels=5678,
        fetch_timeout=3.0,
        max_work_pixels=10_000,
        options=Options(k=7, max_pixels=None),
    )
    base = settings.base_options()
    assert (base.k, base.max_bytes, base.max_image_pixels, base.timeout) == (7, 1234, 5678, 3.0)
    assert base.max_pixels == 10_000


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"workers": 0}, "workers must be a positive integer, got 0"),
        ({"max_k": True}, "max_k must be a positive integer, got True"),
        ({"max_upload_bytes": 1.5}, "max_upload_bytes must be a positive integer, got 1.5"),
        ({"port": 70000}, "port must be between 0 (any free port) and 65535, got 70000"),
        ({"queue_size": -1}, "queue_size must be an integer >= 0, got -1"),
        ({"header_timeout": 0}, "header_timeout must be a positive number of seconds, got 0"),
        ({"options": {"k": 3}}, "options must be an Options, got dict"),
    ],
)
def test_each_refusal_names_the_setting(changes, message):
    with pytest.raises(OptionsError) as info:
        Settings(**changes)
    assert str(info.value) == message


def test_the_edges_of_the_ranges_are_accepted():
    settings = Settings(port=0, queue_size=0, request_timeout=0.5, workers=1)
    assert (settings.port, settings.queue_size, settings.workers) == (0, 0, 1)
    assert Settings(port=65535).port == 65535


def test_base_options_keep_smaller_defaults_and_cap_larger_ones():
    settings = Settings(
        max_work_pixels=10_000, max_k=16, options=Options(max_pixels=5_000, max_k=40)
    )
    base = settings.base_options()
    assert base.max_pixels == 5_000  # below the server's cap: kept
    assert base.max_k == 16  # above it: capped
    assert Settings().base_options().max_k == Options().max_k  # 12 is below the default cap of 64


def test_client_option_names_are_the_web_fields_of_the_options_class():
    assert Settings().client_option_names == web_option_names(Options)
    assert "k" in Settings().client_option_names
    assert "max_bytes" not in Settings().client_option_names  # a server limit, never a client's

    @dataclasses.dataclass(frozen=True)
    class Narrow(Options):
        pass

    assert Settings(options=Narrow()).client_option_names == web_option_names(Options)


def test_option_caps_bound_web_settable_options_below_their_own_bounds():
    from palettekit.options import option_specs

    settings = Settings()
    caps = settings.option_caps()
    assert caps == {"k": 64, "max_k": 64, "n_init": 32, "max_iter": 1000, "max_pixels": 1_000_000}
    specs = option_specs(Options)
    for name, cap in caps.items():
        assert name in settings.client_option_names
        low, high = specs[name][1].bounds
        assert low is not None and low <= cap and (high is None or cap <= high), name
    smaller = Settings(
        max_k=9,
        max_n_init=2,
        max_max_iter=50,
        max_work_pixels=4096,
        options=Options(n_init=2, max_iter=50),
    )
    assert smaller.option_caps() == {
        "k": 9,
        "max_k": 9,
        "n_init": 2,
        "max_iter": 50,
        "max_pixels": 4096,
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (Options(k=100), "the default k (100) is above the largest a request may ask for"),
        (Options(n_init=50), "the default n_init (50) is above"),
        (Options(max_iter=2000), "the default max_iter (2000) is above"),
    ],
)
def test_default_options_above_a_cap_are_refused(options, message):
    # Accepted, they made every request a 400 ("k must be at most 64 on this
    # server, got 100"), even one that did not name k.
    with pytest.raises(OptionsError, match=re.escape(message)):
        Settings(options=options)
    Settings(options=options, max_k=256, max_n_init=1000, max_max_iter=100_000)


def test_default_max_k_and_max_pixels_above_their_caps_are_lowered_not_refused():
    settings = Settings(max_k=8, max_work_pixels=5000, options=Options(max_k=20, max_pixels=None))
    base = settings.base_options()
    assert (base.max_k, base.max_pixels) == (8, 5000)


def test_every_setting_has_a_spec_and_every_cap_names_a_web_option():
    from palettekit.web.settings import SettingSpec, setting_specs

    specs = setting_specs()
    assert list(specs) == [f.name for f in dataclasses.fields(Settings) if f.name != "options"]
    capped = {}
    for name, (default, spec) in specs.items():
        assert isinstance(spec, SettingSpec) and spec.help, name
        assert getattr(Settings(), name) == default
        for option in spec.caps:
            assert option in Settings().client_option_names, (name, option)
            capped[option] = name
    assert capped == {
        "k": "max_k",
        "max_k": "max_k",
        "n_init": "max_n_init",
        "max_iter": "max_max_iter",
        "max_pixels": "max_work_pixels",
    }


def test_a_subclass_field_without_a_spec_is_checked_by_its_default_and_capless():
    from palettekit.web.settings import setting_specs

    @dataclasses.dataclass(frozen=True)
    class More(Settings):
        greeting_limit: int = 3

    assert More(greeting_limit=5).greeting_limit == 5
    with pytest.raises(OptionsError, match="greeting_limit must be an integer"):
        More(greeting_limit="many")  # type: ignore[arg-type]
    assert setting_specs(More)["greeting_limit"][1].caps == ()
    assert More().option_caps() == Settings().option_caps()
