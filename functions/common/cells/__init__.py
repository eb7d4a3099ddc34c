"""Cells: the (account, region) pairs that hold a stage's signaling channels.

- `config`: the CELLS setting, parsed and checked once.
- `placement`: which cell holds a device's channel, and how full each cell is.
- `placement_schema`: the placement table's shape, for the CDK stack and the local bootstrap.
- `credentials`: credentials for a cell in another account, through its role.

May import: the shared core of `functions.common`.
"""
