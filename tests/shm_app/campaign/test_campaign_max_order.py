"""A campaign's SSI sweep stops at order 40 (a single recording's at 80): the default, what the command line says,
what it sets, and the warning when the records hold so many modes that order 40 may be too low."""
from dataclasses import replace

import numpy as np

from shm_app.campaign import CampaignSettings, analyse
from shm_app.campaign.settings import CAMPAIGN_MAX_ORDER
from shm_app.identification import IdentificationSettings
from tests.shm_app.campaign.test_campaign_duplicates import campaign_of


def test_the_campaign_sweeps_to_order_40_and_a_single_recording_to_80():
    assert CampaignSettings().identification.max_order == CAMPAIGN_MAX_ORDER == 40
    assert IdentificationSettings().max_order == 80
    assert replace(CampaignSettings().identification, max_order=40) == CampaignSettings().identification


def test_the_command_line_states_and_applies_the_campaign_default():
    import argparse

    from shm_app.commands import campaign

    parser = argparse.ArgumentParser()
    campaign.add_parser(parser.add_subparsers())
    help_text = parser._subparsers._group_actions[0].choices["campaign"].format_help()
    assert "Default: 40." in " ".join(help_text.split())
    args = parser.parse_args(["campaign", "x.csv"])
    assert campaign.settings_from_args(args).identification.max_order == 40
    args = parser.parse_args(["campaign", "x.csv", "--max-order", "80", "--fmax", "12"])
    ident = campaign.settings_from_args(args).identification
    assert ident.max_order == 80 and ident.fmax_hz == 12.0


def test_records_with_many_modes_are_warned_that_order_40_may_be_too_low():
    few = analyse(campaign_of(), CampaignSettings(baseline_count=8))
    assert not [w for w in few.warnings if "max order" in w]  # 4 modes: room enough
    rng = np.random.default_rng(1)
    many = [replace(r, frequencies_hz=np.linspace(1.0, 19.0, 12) * (1 + 0.002 * rng.standard_normal(12)),
                    damping_ratios=np.full(12, 0.01), shapes=np.tile(r.shapes, 3), n_poles=np.full(12, 20.0))
            for r in campaign_of()]
    result = analyse(many, CampaignSettings(baseline_count=8))
    warning = [w for w in result.warnings if "max order" in w]
    assert len(warning) == 1 and "hold 12 or more modes" in warning[0] and "--max-order (e.g. 96)" in warning[0]
