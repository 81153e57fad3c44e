"""The refusal threshold tests use with the small test knowledge base.

The fitted threshold (bot/answering/calibration.json) suits the shipped knowledge base of 68
documents; answers from the 6-document test knowledge base carry weaker evidence, so tests that
check what an answer says set MIN_IN_SCOPE to this instead. The shipped-set gate
(tests/eval/test_shipped_gate.py) checks the fitted threshold on the real knowledge base.
"""

# Between the weakest answer these tests expect (a LADO referral's timescale, 0.195 with the
# current fit) and the uncovered questions they expect refused (overtime pay, at most 0.016;
# the knowledge gap of tests/bot/test_gap_answers.py, what kinship care is, 0.002): a refit
# that moves either past it fails those tests, and this is to be set again.
TEST_KB_MIN_IN_SCOPE = 0.1
