// Package pds makes the calls statusphere needs on a user's PDS: reading
// public records (the profile) and writing records with an authenticated
// API client from package oauth. Records are sent as JSON maps, so fields the
// app does not know are passed through untouched.
//
// The package does not validate records (package lexicon does) and does not
// decide what a failure means to the user (package web does).
package pds
