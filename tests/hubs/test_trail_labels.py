"""The audit trail an SME and an officer read names what happened, not an action code."""

import pytest

from hubs.templatetags.trail import action_label


@pytest.mark.parametrize(
    ("action", "label"),
    [
        ("hubs.kyc.submitted", "Submitted for review"),
        ("hubs.kyc.more_info_requested", "More information requested"),
        ("hubs.product.created", "Product created"),  # no label of its own: still words
    ],
)
def test_an_action_reads_as_words(action, label):
    assert action_label(action) == label
