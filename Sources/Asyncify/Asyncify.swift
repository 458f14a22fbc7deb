// The fiber core. See Asyncify.swift (to be written) for the protocol.
