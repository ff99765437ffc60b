package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// marshalYAML writes v as YAML, as yaml.Marshal does, except that a string holding a character
// that unsafeRune names (a right-to-left override in a remote name, say) is written as a
// double-quoted scalar with \u escapes: a reviewer reads what the file holds, and a YAML decoder
// turns it back into the same string.
func marshalYAML(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonToSafeYAML(data)
}

// jsonToSafeYAML is yaml.JSONToYAML with the strings unsafeRune names escaped (see marshalYAML).
// Each such string, key or value, is replaced by a placeholder that YAML writes plain, and the
// placeholder, in the YAML written, by the quoted string.
func jsonToSafeYAML(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	var p placeholders
	tree = p.replace(tree)
	if len(p.quoted) == 0 {
		return yaml.JSONToYAML(data)
	}
	replaced, err := json.Marshal(tree)
	if err != nil {
		return nil, err
	}
	out, err := yaml.JSONToYAML(replaced)
	if err != nil {
		return nil, err
	}
	return []byte(p.restore(string(out))), nil
}

// placeholders stand for the strings to escape while YAML is written. The nonce, made with the
// first one, keeps a placeholder from matching anything else the YAML holds.
type placeholders struct {
	nonce  string
	quoted []string
}

// replace returns v with each string to escape, in map keys too, replaced by a placeholder.
func (p *placeholders) replace(v any) any {
	switch v := v.(type) {
	case string:
		return p.placeholder(v)
	case []any:
		for i := range v {
			v[i] = p.replace(v[i])
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[p.placeholder(k)] = p.replace(e)
		}
		return out
	}
	return v
}

func (p *placeholders) placeholder(s string) string {
	if strings.IndexFunc(s, unsafeRune) < 0 {
		return s
	}
	if p.nonce == "" {
		p.nonce = strings.ToLower(rand.Text())
	}
	p.quoted = append(p.quoted, yamlQuote(s))
	return p.name(len(p.quoted) - 1)
}

// name is placeholder i; its index comes first so that placeholder keys sort in the order they were made.
func (p *placeholders) name(i int) string { return fmt.Sprintf("orgsync-escaped-%06d-%s", i, p.nonce) }

// restore puts the quoted strings in place of their placeholders in yamlText.
func (p *placeholders) restore(yamlText string) string {
	pairs := make([]string, 0, 2*len(p.quoted))
	for i, q := range p.quoted {
		pairs = append(pairs, p.name(i), q)
	}
	return strings.NewReplacer(pairs...).Replace(yamlText)
}

// yamlQuote writes s as a double-quoted YAML scalar: backslash and double quote escaped, the
// characters unsafeRune names as \u (or \U) escapes, everything else as it is.
func yamlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case unsafeRune(r) && r > 0xFFFF:
			fmt.Fprintf(&b, `\U%08X`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
