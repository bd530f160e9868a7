package serve

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	gossh "golang.org/x/crypto/ssh"
)

// Role is what a key may do on the server.
type Role int

// Roles.
const (
	RoleNone      Role = iota // not in either file: refused
	RoleMember                // a lab and the TUI
	RolePresenter             // the dashboard (and a lab of their own)
)

// Member is one known key.
type Member struct {
	Name        string // the key's comment, else its fingerprint
	Fingerprint string // SHA256, as ssh-keygen -l prints it
	Role        Role
}

// Keys is the set of known public keys, from authorized_keys files.
type Keys struct {
	byKey map[string]Member // key: the key's wire form
}

// LoadKeys reads the members' and the presenters' authorized_keys files
// (presenters may be "" for none). A key in both is a presenter's. A line
// that is not a key is an error naming the file and line: a typo must not
// lock a member out silently.
func LoadKeys(members, presenters string) (*Keys, error) {
	k := &Keys{byKey: map[string]Member{}}
	if members != "" {
		if err := k.addFile(members, RoleMember); err != nil {
			return nil, err
		}
	}
	if presenters != "" {
		if err := k.addFile(presenters, RolePresenter); err != nil {
			return nil, err
		}
	}
	if len(k.byKey) == 0 {
		return nil, fmt.Errorf("no public keys: give --authorized-keys and/or --presenter-keys with at least one key")
	}
	return k, nil
}

func (k *Keys) addFile(path string, role Role) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read keys: %w", err)
	}
	return k.add(path, b, role)
}

func (k *Keys) add(name string, b []byte, role Role) error {
	for i, line := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		pk, comment, _, _, err := gossh.ParseAuthorizedKey(t)
		if err != nil {
			return fmt.Errorf("%s:%d: not a public key (authorized_keys format): %w", name, i+1, err)
		}
		fp := gossh.FingerprintSHA256(pk)
		// The name is drawn on the dashboard and written in the log:
		// printable text only.
		m := Member{Name: strings.TrimSpace(printable(comment)), Fingerprint: fp, Role: role}
		if m.Name == "" {
			m.Name = fp
		}
		if old, ok := k.byKey[string(pk.Marshal())]; ok && old.Role > role {
			continue
		}
		k.byKey[string(pk.Marshal())] = m
	}
	return nil
}

// Lookup returns the member a key belongs to, and false for an unknown key.
func (k *Keys) Lookup(pk gossh.PublicKey) (Member, bool) {
	if pk == nil {
		return Member{}, false
	}
	m, ok := k.byKey[string(pk.Marshal())]
	return m, ok
}

// Len is the number of known keys.
func (k *Keys) Len() int { return len(k.byKey) }

// fileName turns a fingerprint into a file name: the base64 of the digest
// with / and + made URL-safe, so `ssh-keygen -lf key.pub | tr '/+' '_-'`
// finds a member's progress file.
func fileName(fp string) string {
	return strings.NewReplacer("/", "_", "+", "-").Replace(strings.TrimPrefix(fp, "SHA256:"))
}
