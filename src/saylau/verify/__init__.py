"""An independent verifier of the record, and a witness of a server's checkpoints.

Whoever runs the server holds the database and the signing key, so nothing the server says about
itself is evidence. This package checks the record from the outside, with nothing but the bytes
docs/verification.md (part 2) specifies: a record (:mod:`.record`: the definition's files, every
log entry, the signed checkpoints, the public key and the published results, as plain files) is
made from a store (:mod:`.export`) or fetched from a server's API (:mod:`.fetch`), and
:mod:`.check` recomputes every leaf, the tree, every signature and every published figure from it
without any of the store's database code. :mod:`.witness` keeps a server's checkpoints over time
and reports a fork the moment one shows.
"""
