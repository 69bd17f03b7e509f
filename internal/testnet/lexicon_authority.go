package testnet

// WithLexiconAuthority makes the PDS resolve every lexicon (permission sets
// of include: scopes among them) from the repo of a local account, name
// (handle <name>.test), instead of DNS; [Network.Account](name) is that
// account. See devnet.Config.LexiconAuthority.
func WithLexiconAuthority(name string) Option {
	return func(o *options) { o.lexiconAuthority = name }
}
