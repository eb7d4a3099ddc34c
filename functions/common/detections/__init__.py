"""Detections and their images: what cameras saw, and where the stills are kept.

- `store`, `schema`: the detections table and its shape.
- `media_store`: the media bucket (presigned uploads, reads, deletes).
- `media_settings`: the settings every function touching detections and images shares.
- `image_uris`: a fresh image reference for one owner, under MEDIA_URL_BASE.

May import: the shared core of `functions.common`.
"""
