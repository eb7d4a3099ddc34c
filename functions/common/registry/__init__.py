"""The device registry: which devices exist, who owns them, and the tags their channels carry.

- `store`: data access for the registry table.
- `schema`: the registry table's shape, for the CDK stack and the local bootstrap.
- `channel_tags`: the tags this project manages on a signaling channel.
- `rotation_state_schema`: the tag rotation state table's shape.

May import: the shared core of `functions.common`.
"""
