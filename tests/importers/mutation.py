"""The one way importer tests damage a valid file: cut, flip, replace or insert hostile chunks."""

from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def mutations(draw: st.DrawFn, valid: bytes, chunks: list[bytes]) -> bytes:
    """``valid`` with bytes cut, replaced or inserted (wrong types too), or now and then random bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    data = bytearray(valid)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["cut", "replace", "insert", "flip"]))
        chunk = draw(st.sampled_from(chunks))
        if action == "cut":
            del data[at:]
        elif action == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif action == "replace":
            data[at : at + len(chunk)] = chunk
        else:
            data[at:at] = chunk
    return bytes(data)
