// Package pds is statusphere's one XRPC client, for PDSes and relays.
//
// Public calls (getRecord, listRecords, getRepo, listRepos,
// listReposByCollection, createSession) are methods of [Client], which
// holds the HTTP client; authenticated calls (createRecord, putRecord,
// deleteRecord, applyWrites, deleteSession, any [Procedure]) take the
// session's *atclient.APIClient: an OAuth session from package oauth or a
// password session from [Client.CreateSession]. Every call goes through
// one path that caps what it reads of an answer (everything a PDS or relay
// sends is untrusted) and turns any answer other than 2xx into an
// *atclient.APIError, the one XRPC error type.
//
// Records are sent as given (maps or JSON), so fields the app does not
// know are passed through untouched. The package does not validate records
// (package lexicon does) and does not decide what a failure means to the
// user (package web does). It imports nothing of statusphere's.
package pds
