"""Post-clearance audit: a blue-lane release, and a sample of green-lane releases drawn the
same way every time, enter the hub's audit worklist once; the hub's officers work it oldest
first, close an audit without a finding, or raise one whose duty and tax the engine assesses
again on the corrected value; the supplementary assessment is billed to the declarant's
organisation through the ledger once, and it reads the outcome on its declaration page."""
