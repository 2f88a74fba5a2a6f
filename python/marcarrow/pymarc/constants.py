"""MARC 21 structural constants, as pymarc names them."""

LEADER_LEN = 24
DIRECTORY_ENTRY_LEN = 12
SUBFIELD_INDICATOR = chr(0x1F)
END_OF_FIELD = chr(0x1E)
END_OF_RECORD = chr(0x1D)
