"""The embedded stack keeps photos' bytes on disk, not in its memory; small objects stay in memory."""

from __future__ import annotations

import os
import resource
import sys
import uuid

from salon.local import stack as stack_module
from salon.local.config import ACCOUNT


def test_photos_bytes_roll_over_to_disk_and_read_back_whole(stack):
    from moto.s3.models import s3_backends

    s3 = stack.client("s3")
    bucket = f"memory-test-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    photo, thumbnail = os.urandom(200 * 1024), os.urandom(4 * 1024)
    try:
        s3.put_object(Bucket=bucket, Key="photo.jpg", Body=photo)
        s3.put_object(Bucket=bucket, Key="thumb.jpg", Body=thumbnail)
        keys = s3_backends[ACCOUNT]["aws"].buckets[bucket].keys
        assert keys["photo.jpg"]._value_buffer._rolled  # on disk (an unlinked temporary file)
        assert sys.getsizeof(keys["photo.jpg"]._value_buffer._file) < 1024  # a 256-byte write buffer, not 8 KB
        assert not keys["thumb.jpg"]._value_buffer._rolled  # under S3_IN_MEMORY_BYTES: kept in memory
        assert s3.get_object(Bucket=bucket, Key="photo.jpg")["Body"].read() == photo
        assert s3.get_object(Bucket=bucket, Key="thumb.jpg")["Body"].read() == thumbnail
    finally:
        for key in ("photo.jpg", "thumb.jpg"):
            s3.delete_object(Bucket=bucket, Key=key)
        s3.delete_bucket(Bucket=bucket)


def test_the_open_file_limit_is_raised_for_the_photos_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))
        in_force = stack_module.raise_open_file_limit()
        assert in_force == resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        assert in_force == (
            stack_module.OPEN_FILES if hard == resource.RLIM_INFINITY else min(stack_module.OPEN_FILES, hard)
        )
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_malloc_arenas_are_capped_unless_the_environment_says_otherwise(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert stack_module.cap_malloc_arenas() is True  # glibc (this project's machines)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert stack_module.cap_malloc_arenas() is False  # the operator's own setting wins
