"""Open Referral HSDS 3.0 out of the directory, by the contract in :mod:`mapping.hsds`: flat
table rows (``rows``, ``terms``), nested objects built from them (``nested``), the reads that
feed them (``reads``, ``filters``), the API at ``/hsds/`` (``views``) and the tabular data
package export (``package``)."""
