package oauth

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Sealed rows are sealMagic, the 8-byte ID of the key, a random 12-byte
// nonce and the AES-256-GCM ciphertext of the JSON, whose additional data
// is the row's key: a sealed row copied onto another row does not open.
// Unsealed rows are JSON and start with '{', never with sealMagic.
const (
	sealMagic  = "sps1"
	keyIDSize  = 8
	sealHeader = len(sealMagic) + keyIDSize
)

// errUnsealable means a sealed row opens with none of the keys: sealed
// under a key no longer configured, or altered.
var errUnsealable = errors.New("sealed with an unknown key, or altered")

// sealKey is one AES-256-GCM key and its ID.
type sealKey struct {
	id   [keyIDSize]byte
	aead cipher.AEAD
}

// sealer seals and opens the stored OAuth data. Its first key seals; every
// key opens. With no keys it stores and reads JSON as is.
type sealer struct{ keys []sealKey }

// newSealer builds a sealer from 32-byte keys, the sealing one first.
func newSealer(keys [][]byte) (*sealer, error) {
	s := &sealer{}
	for i, k := range keys {
		if len(k) != 32 {
			return nil, fmt.Errorf("oauth: session key %d: %d bytes, want 32", i+1, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("oauth: session key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("oauth: session key %d: %w", i+1, err)
		}
		sk := sealKey{aead: aead}
		sum := sha256.Sum256(append([]byte("statusphere oauth session key\x00"), k...))
		copy(sk.id[:], sum[:])
		s.keys = append(s.keys, sk)
	}
	return s, nil
}

// seal seals plain for the row named by aad; without keys it returns plain.
func (s *sealer) seal(aad, plain []byte) []byte {
	if len(s.keys) == 0 {
		return plain
	}
	k := s.keys[0]
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce) //nolint:errcheck // crypto/rand.Read never fails
	out := make([]byte, 0, sealHeader+len(nonce)+len(plain)+k.aead.Overhead())
	out = append(out, sealMagic...)
	out = append(out, k.id[:]...)
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, plain, aad)
}

// open returns the JSON of a row: an unsealed row as is, a sealed one
// opened with the key its ID names.
func (s *sealer) open(aad, data []byte) ([]byte, error) {
	if !bytes.HasPrefix(data, []byte(sealMagic)) {
		return data, nil
	}
	if len(data) < sealHeader {
		return nil, errUnsealable
	}
	id := data[len(sealMagic):sealHeader]
	for _, k := range s.keys {
		if !bytes.Equal(k.id[:], id) {
			continue
		}
		rest := data[sealHeader:]
		if len(rest) < k.aead.NonceSize() {
			return nil, errUnsealable
		}
		plain, err := k.aead.Open(nil, rest[:k.aead.NonceSize()], rest[k.aead.NonceSize():], aad)
		if err != nil {
			return nil, errUnsealable
		}
		return plain, nil
	}
	return nil, errUnsealable
}

// sessionAAD names an oauth_session row; authRequestAAD an
// oauth_auth_request row.
func sessionAAD(did, sessionID string) []byte {
	return []byte("oauth_session\x00" + did + "\x00" + sessionID)
}

func authRequestAAD(state string) []byte { return []byte("oauth_auth_request\x00" + state) }
