//! Tests of the YAML and JSON readers: trees, spans and errors, and the fast reader against
//! the general parsers.

use super::*;

fn parse_yaml(text: &str) -> Vec<Node<'_>> {
    match parse(FileId(0), text, Format::Yaml) {
        Ok(docs) => docs,
        Err(e) => panic!("unexpected parse error: {e:?}"),
    }
}

#[test]
fn keeps_byte_spans_of_keys_and_values() {
    let text = "name: wiki\nsteps:\n  - id: 1\n";
    let docs = parse_yaml(text);
    let (key, value) = docs[0].entry("name").expect("name");
    assert_eq!(&text[key.span.start..key.span.end], "name");
    assert_eq!(&text[value.span.start..value.span.end], "wiki");
    let id = &docs[0].get("steps").expect("steps");
    match &id.kind {
        Kind::Seq(items) => assert!(matches!(items[0].get("id").map(|n| &n.kind), Some(Kind::Int(1)))),
        other => panic!("{other:?}"),
    }
}

/// The value of `v` in a one-line YAML document.
fn typed(value: &str) -> Kind<'static> {
    let text = format!("v: {value}\n");
    let docs = parse_yaml(&text);
    match docs[0].get("v").expect("v").kind.clone() {
        Kind::Str(s) => Kind::Str(Cow::Owned(s.into_owned())),
        Kind::Null => Kind::Null,
        Kind::Bool(b) => Kind::Bool(b),
        Kind::Int(i) => Kind::Int(i),
        Kind::Float(f) => Kind::Float(f),
        other => panic!("not a scalar: {other:?}"),
    }
}

#[test]
fn types_plain_scalars_as_serde_saphyr_does() {
    assert!(matches!(typed(""), Kind::Null));
    assert!(matches!(typed("~"), Kind::Null));
    assert!(matches!(typed("NULL"), Kind::Null));
    assert!(matches!(typed("true"), Kind::Bool(true)));
    assert!(matches!(typed("Off"), Kind::Bool(false)));
    assert!(matches!(typed("yes"), Kind::Bool(true)));
    assert!(matches!(typed("12"), Kind::Int(12)));
    assert!(matches!(typed("-0x1F"), Kind::Int(-31)));
    assert!(matches!(typed("0o17"), Kind::Int(15)));
    assert!(matches!(typed("1_000"), Kind::Int(1000)));
    assert!(matches!(typed("99999999999999999999"), Kind::Float(_)));
    assert!(matches!(typed("1.5"), Kind::Float(f) if f == 1.5));
    assert!(matches!(typed("-.inf"), Kind::Float(f) if f == f64::NEG_INFINITY));
    // A leading zero makes a decimal float, as in serde-saphyr.
    assert!(matches!(typed("012"), Kind::Float(f) if f == 12.0));
    // Rust-only float spellings and stray underscores stay text.
    for text in ["inf", "NaN", "1__0", "_1", "1_", "0x", "+", "yess", "LOCAL"] {
        assert!(matches!(typed(text), Kind::Str(ref s) if s == text), "{text}: {:?}", typed(text));
    }
}

#[test]
fn quoted_block_and_str_tagged_scalars_stay_text() {
    assert!(matches!(typed("'12'"), Kind::Str(ref s) if s == "12"));
    assert!(matches!(typed("\"true\""), Kind::Str(ref s) if s == "true"));
    assert!(matches!(typed("!!str 12"), Kind::Str(ref s) if s == "12"));
    assert!(matches!(typed("!!int '12'"), Kind::Int(12)));
    assert!(matches!(typed("|\n  null"), Kind::Str(ref s) if s == "null\n"));
}

#[test]
fn aliases_copy_and_merge_keys_merge() {
    let text = "base: &b {idp: LOCAL, authenticator: totp}\ncopy: *b\nover:\n  <<: *b\n  idp: Google\n";
    let docs = parse_yaml(text);
    let copy = docs[0].get("copy").expect("copy");
    assert_eq!(copy.get("idp").and_then(Node::as_str), Some("LOCAL"));
    // The copy is shown at the alias; its insides at their definition.
    assert_eq!(&text[copy.span.start..copy.span.end], "*b");
    let idp = copy.get("idp").expect("idp");
    assert_eq!(&text[idp.span.start..idp.span.end], "LOCAL");
    let over = docs[0].get("over").expect("over");
    assert_eq!(over.get("idp").and_then(Node::as_str), Some("Google"));
    assert_eq!(over.get("authenticator").and_then(Node::as_str), Some("totp"));
    // `y` is a key here, not YAML 1.1's boolean.
    let list = parse_yaml("a: &a {x: 1}\nb: &b {x: 2, y: 3}\nc:\n  <<: [*a, *b]\n");
    let c = list[0].get("c").expect("c");
    assert!(matches!(c.get("x").map(|n| &n.kind), Some(Kind::Int(1))));
    assert!(matches!(c.get("y").map(|n| &n.kind), Some(Kind::Int(3))));
}

#[test]
fn duplicate_keys_are_errors_at_the_second_key() {
    let text = "a: 1\nb: 2\na: 3\n";
    let err = parse(FileId(0), text, Format::Yaml).expect_err("duplicate");
    assert_eq!(err.offset, Some(text.rfind('a').expect("a")));
    assert!(err.message.contains("duplicate mapping key: a"), "{}", err.message);
    // Also in mappings large enough to be checked with a hash set.
    let big: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect::<String>() + "k7: again\n";
    let err = parse(FileId(0), &big, Format::Yaml).expect_err("duplicate");
    assert_eq!(err.offset, Some(big.rfind("k7").expect("k7")));
    // Two complex keys are not the same key.
    assert!(parse(FileId(0), "? [a]\n: 1\n? [b]\n: 2\n", Format::Yaml).is_ok());
}

#[test]
fn alias_expansion_is_bounded() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let prev = format!("*a{}", level - 1);
        text.push_str(&format!("a{level}: &a{level} [{}]\n", [prev.as_str(); 10].join(", ")));
    }
    let err = parse(FileId(0), &text, Format::Yaml).expect_err("bomb");
    assert!(err.message.contains("limits"), "{}", err.message);
    let err = parse(FileId(0), "a: &a [*a]\n", Format::Yaml).expect_err("self reference");
    assert_eq!(err.offset, Some(7));
}

#[test]
fn reads_every_document_of_a_stream() {
    assert_eq!(parse_yaml("name: a\n---\nname: b\n").len(), 2);
}

#[test]
fn json_syntax_errors_have_a_line() {
    let err = parse(FileId(0), "{\n  \"a\": 1,\n  oops\n}", Format::Json).expect_err("invalid");
    assert_eq!(err.line_col.map(|(l, _)| l), Some(3));
}

#[test]
fn yaml_syntax_errors_have_an_offset() {
    let err = parse(FileId(0), "a: [1, 2\nb: c\n", Format::Yaml).expect_err("invalid");
    assert!(err.offset.is_some() || err.line_col.is_some(), "{err:?}");
}

/// The tree saphyr-parser builds (`None` when the text is not for it or it gives up) and
/// the tree granit builds, as text (spans included).
fn both_trees(text: &str) -> (Option<String>, Result<String, String>) {
    let fast = SaphyrEvents::suits(text)
        .then(|| Builder::new().run(SaphyrEvents::new(FileId(0), text)).ok())
        .flatten()
        .map(|d| format!("{d:?}"));
    let granit = Builder::new().run(GranitEvents::new(FileId(0), text)).map(|d| format!("{d:?}"));
    (fast, granit.map_err(|e| e.message))
}

#[test]
fn both_parsers_build_the_same_trees() {
    let cases = [
        "name: wiki\nsteps:\n  - id: 1\n    options: [{idp: LOCAL, authenticator: totp}]\n",
        "a:\n  - x: 1\n    y: [1, 2]\n  - {p: q}\nb: !!map\n  c: d\n",
        "{\"a\": {\"b\": [1, {\"c\": 2}]}, \"d\" :  {  }, \"e\"  :  [  ]}\n",
        "script: |\n  var x = 1;   \n\n  executeStep(1);\n  \nnext: 1\n",
        "script: >-\n  folded\n  text\n\n  more   \nk: 'it''s'   \nq: \"a\\tb\"  \n",
        "plain: multi\n  line   \n  scalar  \nend: x\n",
        "base: &b {idp: Google}\nuse:\n  <<: *b\n  other: !!str 1\n",
        "# comment\n--- !!map\na: 1 # trailing\n...\n---\n- !!seq [x]\n- [a, b]\n",
        "a:\nb: 1\nf: !tag\ng:   \nh: {j: , k}\nl: &anc\nn: !!str\n!!str o: x\n",
        // Comments after values and properties; block text starting with `!` or `&`.
        "q: \"x\"  # note\nr: 'it''s' #\ns: \"\" # empty\nt: !!map # c\n  a: 1\nu: &x # c\n  b: 2\n",
        "script: |\n  !function () {}();\nk: >\n  &nbsp; x\nl: |\n  &&x\n",
        // Tagged items, properties before sequences, anchors glued to brackets.
        "k:\n- !!org.x.Y\n  name: a\nl: !!seq\n- a\nm: &x\n- b\nn: !t\n  - c\n",
        "base: &b{idp: x}\nlist: [!!str, 2, &a {k: v}]\nscript: !t >-\n  folded\n",
    ];
    for case in cases {
        let (fast, granit) = both_trees(case);
        assert!(fast.is_some(), "saphyr-parser should build {case:?}");
        assert_eq!(fast.as_deref(), granit.as_deref().ok(), "{case:?}");
    }
    // Explicit keys, and invalid keys saphyr-parser would read, are left to granit.
    for case in ["- ? complex\n  : value\n", "k: {idp: LOCAL, authentic\n ator: totp}\n", "- {id\n  : 2}\n"] {
        assert!(Builder::new().run(SaphyrEvents::new(FileId(0), case)).is_err(), "{case:?}");
        let parsed = parse(FileId(0), case, Format::Yaml).map(|d| format!("{d:?}")).map_err(|e| e.message);
        assert_eq!(parsed, both_trees(case).1, "{case:?}");
    }
    // Text that is not ASCII, has a tab or a control character or no final line break is
    // granit's.
    for case in ["name: café\n", "name: a\u{7}b\n", "name: x", ":\tkey: value\n"] {
        assert!(!SaphyrEvents::suits(case), "{case:?}");
        let parsed = parse(FileId(0), case, Format::Yaml).map(|d| format!("{d:?}")).map_err(|e| e.message);
        assert_eq!(parsed, both_trees(case).1, "{case:?}");
    }
    // And every YAML and JSON file of the fixtures and tests.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut files, mut built) = (0, 0);
    let walk = walkdir::WalkDir::new(root.join("fixtures"))
        .into_iter()
        .chain(walkdir::WalkDir::new(root.join("tests")));
    for entry in walk.flatten() {
        let path = entry.path();
        if !matches!(path.extension().and_then(|e| e.to_str()), Some("yml" | "yaml" | "json")) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        files += 1;
        // saphyr-parser may give up where granit does not (granit then builds the tree).
        if let (Some(fast), granit) = both_trees(&text) {
            built += 1;
            assert_eq!(Ok(fast), granit, "{}", path.display());
        }
    }
    assert!(files > 50, "only {files} fixture files found");
    // Nearly all of them are saphyr's (one is not ASCII, a few are broken on purpose).
    assert!(built * 10 > files * 9, "saphyr-parser built only {built} of {files} files");
}

/// Shapes of exports the fast path must read (and read as granit does).
const FAST_SHAPES: &[&str] = &[
    "# comment\n--- !!org.x.ServiceProvider\napplicationName: a\nclaimConfig: !!org.x.ClaimConfig\n  claimMappings:\n  - defaultValue: null\n    localClaim: !!org.x.Claim\n      claimId: 0\n  idpClaims: []\n  spClaimDialects: {}\n",
    "steps:\n- !!org.x.IdentityProvider\n  name: x\n  federatedIdentityProviders: []\n- id: 2\n  options:\n    - idp: LOCAL\n      authenticator: totp\n",
    "script: |\n  var a = 1;\n\n  if (a) {\n      executeStep(1);\n  }\n\n\nnext: 1\n",
    "a: |-\n  s\n\n  \nb: |+\n  t\n\n\nc: |\n  u\nd: | # c\n  v\n  w  \n\n# x\n",
    "q: 'it''s'\nr: \"x\\ty\\\"\\\\ \\/\\n\"  # c\ns: ''\nt: \"\"\nu: 'a' # c\n",
    "a:   \nb: # c\nc:\nd:\n  - x\n  -   y\ne:\n- \"q\"\nf:\n-   \n  k: v\ng: !!seq\n  - 1\n",
    "i: x y , z ]\nj: a{b}[c]\nk: -1\nl: http://x/#frag # note\nm: 0x1F\nn: yes\no: ~\np: 1.5e3\n",
    "- a:\n  - x\n  b: 1\n- c: 2\n  d:\n    e: 3\n",
    "a: 1\n---\nb: 2\n--- # c\nc: 3\n",
    "a:   !!x.Y   # c\n  b: 1\nlist:\n- !local\n  k: v\n",
    // Block scalars in sequences, ended by a comment or a document marker, or holding `---`.
    "k:\n- |\n text\n- x\n",
    "- |\n  a\n- b\n",
    "a: |\n  x\n  ---\nb: 1\n---\nc: |+\n  x\n\n",
    "a: |\n  x\n # c\nb: |-\n  y\n\n",
    "a: |\n  x\n\n\n",
    // Comments and blank lines between entries, more indented than them.
    "a: b\n# c\n  # d\nc: d\n\n  \ne:\n# c\n  f: 1\n# c\n  g: 2\nh: x\n  # c\ni: 1\n",
    "a:\n  - b:\n    - c\n    d: 1\nx:\n- e: 1\n  f: 2\n- g\n",
    "-\n  a: 1\n",
    "--- !!map\na: 1\n--- \nb: 1\n",
    "a.b/c-d: 1\n$ref: x\n_x: 1\n1: one\ntrue: x\n",
    "a: x#c\nb: -x\nc: x:y\nd: x :y\ne: x y  \nf: 'q'  \ng:    x\n",
    "- []\n- {}\n- ''\n- \"\"\n- x\n",
];

/// The tree of the fast path (`None` when it leaves the file to the others).
fn fast_tree(text: &str) -> Option<String> {
    SaphyrEvents::suits(text).then(|| fast::parse(FileId(0), text).ok()).flatten().map(|d| format!("{d:?}"))
}

/// A small deterministic random generator (xorshift), for the mutation tests.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// `text` with a few random edits of the kinds that change what YAML means: a byte that
/// matters to YAML put in, taken out or replaced, a line doubled or dropped, an
/// indentation changed.
fn mutate(text: &str, rng: &mut Rng) -> String {
    const BYTES: &[u8] = b" \n:-#'\"|>!&*?[]{},%@`.\\+0aZ~\t\r";
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(bytes.len() + 1);
        let byte = BYTES[rng.below(BYTES.len())];
        match rng.below(6) {
            0 => bytes.insert(at, byte),
            1 if at < bytes.len() => {
                bytes.remove(at);
            }
            2 if at < bytes.len() => bytes[at] = byte,
            3 | 4 => {
                // A whole line: doubled, dropped, or indented one space more or less.
                let start = bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                let end = bytes[at..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| at + i + 1);
                match rng.below(4) {
                    0 => {
                        let line = bytes[start..end].to_vec();
                        bytes.splice(start..start, line);
                    }
                    1 => {
                        bytes.drain(start..end);
                    }
                    2 => bytes.insert(start, b' '),
                    _ if bytes.get(start) == Some(&b' ') => {
                        bytes.remove(start);
                    }
                    _ => {}
                }
            }
            _ => bytes.insert(at, b' '),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// What the fast path makes of `text` must be what granit makes of it, or nothing: it
/// never accepts a file granit rejects, nor reads one differently.
fn check_fast_against_granit(text: &str) -> bool {
    let Some(fast) = fast_tree(text) else { return false };
    let granit = Builder::new().run(GranitEvents::new(FileId(0), text)).map(|d| format!("{d:?}"));
    assert_eq!(
        granit.as_ref().ok(),
        Some(&fast),
        "the fast path reads {text:?} differently from granit ({granit:?})"
    );
    true
}

/// Files for the mutation tests: the fixtures', the tests', and export shapes.
fn yaml_corpus() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts: Vec<String> = walkdir::WalkDir::new(root.join("fixtures"))
        .into_iter()
        .chain(walkdir::WalkDir::new(root.join("tests")))
        .flatten()
        .filter(|e| matches!(e.path().extension().and_then(|x| x.to_str()), Some("yml" | "yaml")))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect();
    texts.extend(FAST_SHAPES.iter().map(|s| s.to_string()));
    // More files to mutate (say, a bench tenant's), for longer runs by hand.
    if let Ok(dir) = std::env::var("AUTHLINT_MUTATION_DIR") {
        let files = walkdir::WalkDir::new(dir).into_iter().flatten().filter(|e| e.file_type().is_file());
        texts.extend(files.take(200).filter_map(|e| std::fs::read_to_string(e.path()).ok()));
    }
    texts
}

#[test]
fn the_fast_path_reads_export_shapes_as_granit_does() {
    for shape in FAST_SHAPES {
        assert!(check_fast_against_granit(shape), "the fast path should read {shape:?}");
    }
    // The fixtures it reads (not those with flow mappings, anchors, errors...), as granit.
    for text in yaml_corpus() {
        check_fast_against_granit(&text);
    }
}

#[test]
fn mutated_files_are_read_as_granit_reads_them_or_left_to_it() {
    let corpus = yaml_corpus();
    // More and other mutations by hand: AUTHLINT_MUTATIONS=2000000 AUTHLINT_MUTATION_SEED=7.
    let rounds: usize = std::env::var("AUTHLINT_MUTATIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(3000);
    let seed = std::env::var("AUTHLINT_MUTATION_SEED").ok().and_then(|n| n.parse().ok());
    let mut rng = Rng(seed.unwrap_or(0x9e37_79b9_7f4a_7c15));
    let mut accepted = 0;
    for _ in 0..rounds {
        let text = mutate(&corpus[rng.below(corpus.len())], &mut rng);
        if check_fast_against_granit(&text) {
            accepted += 1;
        }
    }
    // Many mutations leave a valid file the fast path still reads: the check has teeth.
    assert!(accepted * 10 > rounds, "the fast path read only {accepted} of {rounds} mutated files");
}

/// By hand, on real exports or a bench tenant: `AUTHLINT_YAML_DIR=DIR cargo test --release
/// --lib every_yaml_file -- --ignored --nocapture`.
#[test]
#[ignore]
fn the_fast_path_reads_every_yaml_file_of_a_directory_as_granit_does() {
    let dir = std::env::var("AUTHLINT_YAML_DIR").expect("AUTHLINT_YAML_DIR: the directory to read");
    let (mut files, mut read) = (0, 0);
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if !matches!(entry.path().extension().and_then(|e| e.to_str()), Some("yml" | "yaml")) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
        files += 1;
        if check_fast_against_granit(&text) {
            read += 1;
        }
    }
    eprintln!("the fast path read {read} of {files} files, as granit reads them");
}

#[test]
fn files_saphyr_rejects_get_granits_message() {
    // A syntax error; a plain scalar starting with an indicator, which saphyr-parser reads.
    for text in ["steps: [1, 2\nnext: x\n", "step: {idp: |LOCAL}\n"] {
        assert!(Builder::new().run(SaphyrEvents::new(FileId(0), text)).is_err(), "{text:?}");
        let err = parse(FileId(0), text, Format::Yaml).expect_err("invalid");
        let granit = Builder::new().run(GranitEvents::new(FileId(0), text)).expect_err("invalid");
        assert_eq!((err.message, err.offset), (granit.message, granit.offset));
    }
}
