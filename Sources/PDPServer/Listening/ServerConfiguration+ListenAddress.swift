// SPDX-License-Identifier: Apache-2.0

extension ServerConfiguration {
    /// Validates the configuration, resolves ``host`` and refuses to expose an
    /// unauthenticated PDP: without an API key, every address the host resolves to must be a
    /// loopback address (a name is never trusted for what it looks like: `127.invalid` is
    /// not loopback). Blocks while the resolver answers.
    /// - Throws: ``ConfigurationError`` from ``validate()``, for a host that does not
    ///   resolve, and for one that resolves to any other address while ``apiKey`` is `nil`.
    public func listenAddress() throws(ConfigurationError) -> ListenAddress {
        try validate()
        let address = try ListenAddress.resolve(host: host, port: port)
        if apiKey == nil && !address.isLoopback {
            let shown = address.addresses.compactMap(\.ipAddress).joined(separator: ", ")
            throw ConfigurationError(
                message: "refusing to listen on \(host) (\(shown)) without an API key: without one the host must resolve "
                    + "to loopback addresses only; set --api-key or PDP_API_KEY, or bind 127.0.0.1")
        }
        return address
    }
}
