package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// DefaultFile is the file Load reads from the working directory when it is
// given no file name.
const DefaultFile = "sftpgo.json"

const (
	// envPrefix starts every override variable: DOSSIERD_<SECTION>__<KEY>,
	// SFTPGo's form with our product name.
	envPrefix = "DOSSIERD_"
	// envBindings is how many list entries of sftpd.bindings and
	// ftpd.bindings the environment can set (indexes 0..9), as in SFTPGo.
	envBindings = 10
)

// Load reads the configuration. file == "": use ./sftpgo.json when it
// exists, else embedded defaults only (Dir = working directory). Env
// overrides apply in every case.
//
// Every problem found is reported, one per line, each naming the key.
func Load(file string) (*Config, error) {
	source, dir, err := locate(file)
	if err != nil {
		return nil, err
	}
	l := &loader{source: source, envFrom: map[string]string{}}

	var doc map[string]any
	if source != "" {
		data, err := os.ReadFile(source)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if doc, err = parseJSON(source, data); err != nil {
			return nil, err
		}
		doc = l.checkFile(doc)
	}
	l.checkEnv()
	if len(l.problems) > 0 {
		return nil, l.err()
	}

	c, err := l.decode(doc)
	if err != nil {
		return nil, err
	}
	l.applyBindingEnv(c)
	if len(l.problems) > 0 {
		return nil, l.err()
	}
	c.normalize()
	c.Dir, c.Source = dir, source
	c.resolvePaths()

	l.problems = c.validate(l.envFrom)
	if len(l.problems) > 0 {
		return nil, l.err()
	}
	return c, nil
}

// Validate checks c as Load does, with the same messages: for a
// configuration built or changed in code (a reload's, in tests).
func (c *Config) Validate() error {
	if problems := c.validate(nil); len(problems) > 0 {
		return problemsError(c.Source, problems)
	}
	return nil
}

// locate returns the absolute file to read ("" for none) and the folder
// relative paths resolve against.
func locate(file string) (source, dir string, err error) {
	if file != "" {
		abs, err := filepath.Abs(file)
		if err != nil {
			return "", "", fmt.Errorf("config %s: %w", file, err)
		}
		return abs, filepath.Dir(abs), nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", "", fmt.Errorf("config: working directory: %w", err)
	}
	candidate := filepath.Join(wd, DefaultFile)
	fi, err := os.Stat(candidate)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", wd, nil
	case err != nil:
		return "", "", fmt.Errorf("config: %w", err)
	case fi.IsDir():
		return "", "", fmt.Errorf("config %s: is a directory", candidate)
	}
	return candidate, wd, nil
}

// loader carries what one Load call learns along the way.
type loader struct {
	source   string
	problems []string
	// envFrom maps a key (as named in messages) to the environment
	// variable that set it, so that a validation error about a value the
	// file does not hold points at the right place.
	envFrom map[string]string
}

func (l *loader) addf(format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

func (l *loader) err() error {
	return problemsError(l.source, l.problems)
}

// problemsError prefixes every problem with the file it is about so that
// each line of a multi-line error stands on its own in a log.
func problemsError(source string, problems []string) error {
	label := source
	if label == "" {
		label = "(built-in defaults)"
	}
	errs := make([]error, len(problems))
	for i, p := range problems {
		errs[i] = fmt.Errorf("config %s: %s", label, p)
	}
	return errors.Join(errs...)
}

// utf8BOM is skipped because Windows editors, which training centres use,
// often save JSON with it and encoding/json rejects it.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// parseJSON parses the file itself, rather than leaving it to viper, to
// report syntax errors with a line and column and to keep numbers exact
// for the type checks.
func parseJSON(source string, data []byte) (map[string]any, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	var probe any
	if err := json.Unmarshal(data, &probe); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			line, col := position(data, syn.Offset, strings.HasPrefix(syn.Error(), "unexpected end"))
			return nil, fmt.Errorf("config %s:%d:%d: invalid JSON: %v", source, line, col, syn)
		case errors.As(err, &typ):
			line, col := position(data, typ.Offset, false)
			return nil, fmt.Errorf("config %s:%d:%d: invalid JSON: %v", source, line, col, typ)
		default:
			return nil, fmt.Errorf("config %s: invalid JSON: %w", source, err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil { // cannot happen: validated above
		return nil, fmt.Errorf("config %s: invalid JSON: %w", source, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("config %s: the top level must be a JSON object, not %s", source, describe(v))
	}
	return m, nil
}

// position turns a byte offset reported by encoding/json into a 1-based
// line and column (in characters). encoding/json's offset counts the
// offending byte, so the error is at offset-1, except at end of input
// where the useful place is just after the last non-blank character.
func position(data []byte, offset int64, atEOF bool) (line, col int) {
	idx := int(offset) - 1
	if atEOF {
		idx = len(bytes.TrimRight(data, " \t\r\n"))
	}
	idx = max(0, min(idx, len(data)))
	before := data[:idx]
	line = 1 + bytes.Count(before, []byte{'\n'})
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	col = 1 + utf8.RuneCount(before[lineStart:])
	return line, col
}

// checkFile checks the parsed file against the shape of Config: unknown
// keys, wrong types, non-integral numbers. It returns the document with
// lower-cased keys (viper is case-insensitive, so we are too), numbers as
// int, and binding entries completed with the default binding's fields:
// viper replaces lists whole, so without this an entry that leaves out
// "port" would get 0, which means "any free port", not the usual port.
func (l *loader) checkFile(doc map[string]any) map[string]any {
	out, _ := l.walk("", reflect.TypeFor[Config](), doc).(map[string]any)
	if out == nil {
		return nil
	}
	fill := func(section string, def any) {
		sec, _ := out[section].(map[string]any)
		list, _ := sec["bindings"].([]any)
		defMap := toMap(reflect.ValueOf(def)).(map[string]any)
		for _, e := range list {
			m, ok := e.(map[string]any)
			if !ok {
				continue
			}
			for k, v := range defMap {
				if _, ok := m[k]; !ok {
					m[k] = v
				}
			}
		}
	}
	fill("sftpd", defaultSFTPBinding())
	fill("ftpd", defaultFTPBinding())
	fill("httpd", defaultHTTPBinding())
	return out
}

// walk checks v against t and returns it normalised (see checkFile). It
// returns nil where v is wrong, after recording why.
func (l *loader) walk(path string, t reflect.Type, v any) any {
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			l.addf("%s: expected an object, got %s", path, describe(v))
			return nil
		}
		fields := map[string]reflect.Type{}
		for f := range t.Fields() {
			if name := tagName(f); name != "" {
				fields[name] = f.Type
			}
		}
		out := map[string]any{}
		for _, k := range sortedKeys(m) {
			lk := strings.ToLower(k)
			key := joinKey(path, lk)
			ft, ok := fields[lk]
			if !ok {
				l.addf("unknown key %q", joinKey(path, k))
				continue
			}
			if l.duplicate(out, lk, key) {
				continue
			}
			out[lk] = l.walk(key, ft, m[k])
		}
		return out
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			l.addf("%s: expected an object, got %s", path, describe(v))
			return nil
		}
		out := map[string]any{}
		for _, k := range sortedKeys(m) {
			lk := strings.ToLower(k)
			key := joinKey(path, lk)
			if l.duplicate(out, lk, key) {
				continue
			}
			out[lk] = l.walk(key, t.Elem(), m[k])
		}
		return out
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			l.addf("%s: expected a list, got %s", path, describe(v))
			return nil
		}
		out := make([]any, len(list))
		for i, e := range list {
			out[i] = l.walk(fmt.Sprintf("%s[%d]", path, i), t.Elem(), e)
		}
		return out
	case reflect.Int:
		n, ok := v.(json.Number)
		if !ok {
			l.addf("%s: expected an integer, got %s", path, describe(v))
			return nil
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil || i < math.MinInt || i > math.MaxInt {
			l.addf("%s: expected an integer, got %s", path, describe(v))
			return nil
		}
		return int(i)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			l.addf("%s: expected true or false, got %s", path, describe(v))
			return nil
		}
		return b
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			l.addf("%s: expected a string, got %s", path, describe(v))
			return nil
		}
		return s
	}
	panic("config: unsupported field type " + t.String()) // a programming error in this package
}

// duplicate reports keys that differ only in case: viper would keep one
// of them at random.
func (l *loader) duplicate(out map[string]any, lk, key string) bool {
	if _, seen := out[lk]; seen {
		l.addf("duplicate key %q (keys are not case-sensitive)", key)
		return true
	}
	return false
}

func joinKey(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// describe names a JSON value in an error message.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case json.Number:
		return "the number " + v.String()
	case string:
		return fmt.Sprintf("the string %q", v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%v", v)
}

// tagName is the mapstructure name of a field, "" when it is not decoded.
func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// toMap turns a configuration value into the generic form viper and JSON
// use (maps keyed by mapstructure names, []any lists), so the viper
// defaults and the documented file come from the one defaults() source.
func toMap(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer:
		return toMap(v.Elem())
	case reflect.Struct:
		m := map[string]any{}
		for i := range v.NumField() {
			if name := tagName(v.Type().Field(i)); name != "" {
				m[name] = toMap(v.Field(i))
			}
		}
		return m
	case reflect.Map:
		m := map[string]any{}
		for _, k := range v.MapKeys() {
			m[k.String()] = toMap(v.MapIndex(k))
		}
		return m
	case reflect.Slice:
		list := make([]any, v.Len())
		for i := range list {
			list[i] = toMap(v.Index(i))
		}
		return list
	}
	return v.Interface()
}

// flatten lists the leaves of a generic map by dotted key (viper's form).
// Lists are leaves: they are replaced as a whole, never merged.
func flatten(prefix string, m map[string]any, out map[string]any) map[string]any {
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			flatten(joinKey(prefix, k), sub, out)
			continue
		}
		out[joinKey(prefix, k)] = v
	}
	return out
}

// envName is the variable overriding a dotted key.
func envName(key string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "__"))
}

// objectLists are the keys viper cannot take from one environment
// variable; they get the indexed variables of applyBindingEnv instead.
var objectLists = map[string]bool{"sftpd.bindings": true, "ftpd.bindings": true, "httpd.bindings": true, "events.webhooks": true}

// defaultLeaves are the dotted keys of every default value.
func defaultLeaves() map[string]any {
	return flatten("", toMap(reflect.ValueOf(defaults())).(map[string]any), map[string]any{})
}

// bindingEnvFields are the binding fields the environment can set, as
// read by applyBindingEnv.
var bindingEnvFields = map[string][]string{
	"sftpd": {"address", "port"},
	"ftpd":  {"address", "port", "tls_mode", "force_passive_ip", "certificate_file", "certificate_key_file"},
	"httpd": {"address", "port", "enable_https", "certificate_file", "certificate_key_file"},
}

func bindingEnvName(section string, idx int, field string) string {
	return envName(fmt.Sprintf("%s.bindings.%d.%s", section, idx, field))
}

// lookupEnv treats an empty variable as unset, as viper does by default,
// so that VAR= left over in a compose file does not blank a setting.
func lookupEnv(name string) (string, bool) {
	s, ok := os.LookupEnv(name)
	return s, ok && s != ""
}

// checkEnv checks the values of the override variables before viper
// decodes them, so that a bad value names its variable, and reports any
// DOSSIERD_*__* variable that matches no key: a misspelt override would
// otherwise be silently ignored.
func (l *loader) checkEnv() {
	known := map[string]bool{}
	for key, def := range defaultLeaves() {
		if objectLists[key] {
			continue
		}
		name := envName(key)
		known[name] = true
		s, ok := lookupEnv(name)
		if !ok {
			continue
		}
		l.envFrom[key] = name
		switch def.(type) {
		case int:
			if _, err := strconv.ParseInt(s, 0, 0); err != nil {
				l.addf("environment variable %s: %s: expected an integer, got %q", name, key, s)
			}
		case bool:
			if _, err := strconv.ParseBool(s); err != nil {
				l.addf("environment variable %s: %s: expected true or false, got %q", name, key, s)
			}
		}
	}
	for section, fields := range bindingEnvFields {
		for idx := range envBindings {
			for _, field := range fields {
				known[bindingEnvName(section, idx, field)] = true
			}
		}
	}
	var unknown []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, envPrefix) && strings.Contains(name, "__") && !known[name] {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	for _, name := range unknown {
		key := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, envPrefix), "__", "."))
		l.addf("environment variable %s: unknown key %q", name, key)
	}
}

// decode layers defaults, the checked file and the environment in a fresh
// viper instance and decodes the result. Defaults are set leaf by leaf so
// that a file setting one entry of a nested map (tree.permissions) keeps
// the other entries' defaults.
func (l *loader) decode(doc map[string]any) (*Config, error) {
	v := viper.New()
	for key, def := range defaultLeaves() {
		v.SetDefault(key, def)
		if !objectLists[key] {
			if err := v.BindEnv(key, envName(key)); err != nil {
				return nil, problemsError(l.source, []string{err.Error()})
			}
		}
	}
	if doc != nil {
		if err := v.MergeConfigMap(doc); err != nil {
			return nil, problemsError(l.source, []string{err.Error()})
		}
	}
	c := &Config{}
	// ErrorUnused guards this package against defaults drifting from the
	// struct; user keys were already checked by checkFile.
	if err := v.Unmarshal(c, func(dc *mapstructure.DecoderConfig) { dc.ErrorUnused = true }); err != nil {
		return nil, problemsError(l.source, []string{err.Error()})
	}
	return c, nil
}

// applyBindingEnv applies DOSSIERD_SFTPD__BINDINGS__<i>__<FIELD> and the
// FTPD equivalent, SFTPGo's form: a variable for index i changes that
// binding, or adds one (starting from the defaults) when i is the next
// free index.
func (l *loader) applyBindingEnv(c *Config) {
	for idx := range envBindings {
		b := defaultSFTPBinding()
		if idx < len(c.SFTPD.Bindings) {
			b = c.SFTPD.Bindings[idx]
		}
		set := l.envString("sftpd", idx, "address", &b.Address)
		set = l.envInt("sftpd", idx, "port", &b.Port) || set
		if set {
			c.SFTPD.Bindings = placeBinding(l, c.SFTPD.Bindings, b, "sftpd", idx)
		}
	}
	for idx := range envBindings {
		b := defaultFTPBinding()
		if idx < len(c.FTPD.Bindings) {
			b = c.FTPD.Bindings[idx]
		}
		set := l.envString("ftpd", idx, "address", &b.Address)
		set = l.envInt("ftpd", idx, "port", &b.Port) || set
		set = l.envInt("ftpd", idx, "tls_mode", &b.TLSMode) || set
		set = l.envString("ftpd", idx, "force_passive_ip", &b.ForcePassiveIP) || set
		set = l.envString("ftpd", idx, "certificate_file", &b.CertificateFile) || set
		set = l.envString("ftpd", idx, "certificate_key_file", &b.CertificateKeyFile) || set
		if set {
			c.FTPD.Bindings = placeBinding(l, c.FTPD.Bindings, b, "ftpd", idx)
		}
	}
	for idx := range envBindings {
		b := defaultHTTPBinding()
		if idx < len(c.HTTPD.Bindings) {
			b = c.HTTPD.Bindings[idx]
		}
		set := l.envString("httpd", idx, "address", &b.Address)
		set = l.envInt("httpd", idx, "port", &b.Port) || set
		set = l.envBool("httpd", idx, "enable_https", &b.EnableHTTPS) || set
		set = l.envString("httpd", idx, "certificate_file", &b.CertificateFile) || set
		set = l.envString("httpd", idx, "certificate_key_file", &b.CertificateKeyFile) || set
		if set {
			c.HTTPD.Bindings = placeBinding(l, c.HTTPD.Bindings, b, "httpd", idx)
		}
	}
}

func (l *loader) envBool(section string, idx int, field string, dst *bool) bool {
	name := bindingEnvName(section, idx, field)
	s, ok := lookupEnv(name)
	if !ok {
		return false
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		l.addf("environment variable %s: %s.bindings[%d].%s: expected true or false, got %q", name, section, idx, field, s)
		return true
	}
	*dst = v
	l.envFrom[fmt.Sprintf("%s.bindings[%d].%s", section, idx, field)] = name
	return true
}

// placeBinding puts b at idx, refusing to leave a gap: SFTPGo would
// silently append it at a lower index, which makes the variable names lie.
func placeBinding[B any](l *loader, list []B, b B, section string, idx int) []B {
	switch {
	case idx < len(list):
		list[idx] = b
	case idx == len(list):
		list = append(list, b)
	default:
		l.addf("environment variables %s%s__BINDINGS__%d__*: %s.bindings[%d] would leave a gap: the list has %d entries, so the next index is %d",
			envPrefix, strings.ToUpper(section), idx, section, idx, len(list), len(list))
	}
	return list
}

func (l *loader) envString(section string, idx int, field string, dst *string) bool {
	name := bindingEnvName(section, idx, field)
	s, ok := lookupEnv(name)
	if ok {
		*dst = s
		l.envFrom[fmt.Sprintf("%s.bindings[%d].%s", section, idx, field)] = name
	}
	return ok
}

func (l *loader) envInt(section string, idx int, field string, dst *int) bool {
	name := bindingEnvName(section, idx, field)
	s, ok := lookupEnv(name)
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(s, 0, 0)
	if err != nil {
		l.addf("environment variable %s: %s.bindings[%d].%s: expected an integer, got %q", name, section, idx, field, s)
		return true
	}
	*dst = int(n)
	l.envFrom[fmt.Sprintf("%s.bindings[%d].%s", section, idx, field)] = name
	return true
}

// normalize trims list entries (the environment gives "a, b" as "a" and
// " b") and turns nil lists into empty ones, so that a loaded
// configuration compares equal whichever layer its lists came from.
func (c *Config) normalize() {
	trim := func(list []string) []string {
		out := make([]string, len(list))
		for i, s := range list {
			out[i] = strings.TrimSpace(s)
		}
		return out
	}
	c.Common.Defender.Safelist = trim(c.Common.Defender.Safelist)
	c.Common.ProxyAllowed = trim(c.Common.ProxyAllowed)
	c.Common.ProxySkipped = trim(c.Common.ProxySkipped)
	c.SFTPD.HostKeys = trim(c.SFTPD.HostKeys)
	if c.SFTPD.Bindings == nil {
		c.SFTPD.Bindings = []Binding{}
	}
	if c.FTPD.Bindings == nil {
		c.FTPD.Bindings = []FTPBinding{}
	}
	if c.HTTPD.Bindings == nil {
		c.HTTPD.Bindings = []HTTPBinding{}
	}
	for i := range c.HTTPD.Bindings {
		c.HTTPD.Bindings[i].ProxyAllowed = trim(c.HTTPD.Bindings[i].ProxyAllowed)
	}
	if c.Events.Webhooks == nil {
		c.Events.Webhooks = []Webhook{}
	}
	for i := range c.Events.Webhooks {
		c.Events.Webhooks[i].Events = trim(c.Events.Webhooks[i].Events)
	}
	if c.Tree.Permissions == nil {
		c.Tree.Permissions = map[string]map[string]string{}
	}
	if c.Common.Roles == nil {
		c.Common.Roles = map[string]map[string]int{}
	}
}
