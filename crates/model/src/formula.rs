//! Derived-indicator formulas such as `100 * BUD.REVENUE_TOTAL / BUD.REVENUE_ESTIMATE`.
//!
//! A formula is parsed once, when an indicator definition is loaded, and then
//! evaluated for many periods and places. Parsing therefore reports precise,
//! positioned errors for the people writing definitions, while evaluation is
//! infallible: anything that cannot produce a meaningful number yields `None`
//! ("no value") instead of NaN, infinity or a panic, so a bad input never
//! reaches a dashboard as a bogus figure.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// Brackets, calls and unary minus each recurse in the parser; hostile input
/// such as a megabyte of `(` must hit an error long before the stack runs out.
const MAX_NESTING: usize = 64;

/// Long operator chains (a sum of many codes) deepen the tree without any
/// nesting, and evaluation, display, comparison and drop all recurse over the
/// tree, so its depth is bounded separately and more generously.
const MAX_DEPTH: usize = 256;

/// Beyond ten decimals `round` stops meaning anything for indicator values and
/// the scaling factor starts to cost precision.
const MAX_ROUND_DIGITS: u8 = 10;

/// Unary minus binds tighter than every binary operator, so `-A * B` is
/// `(-A) * B` and `-A` never needs brackets around a plain operand.
const PREFIX_POWER: u8 = 5;

/// Numbers, codes and calls never need brackets.
const ATOM_POWER: u8 = u8::MAX;

/// A parsed derived-indicator formula.
#[derive(Clone, Debug, PartialEq)]
pub struct Formula {
    root: Expr,
}

/// Why a formula could not be parsed, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("formula error at character {position}: {message}")]
pub struct FormulaError {
    /// 0-based offset in characters (not bytes) of the offending spot.
    pub position: usize,
    pub message: String,
}

impl FormulaError {
    fn at(position: usize, message: impl Into<String>) -> Self {
        Self {
            position,
            message: message.into(),
        }
    }
}

impl Formula {
    /// Parses a formula, rejecting anything that is not fully understood.
    pub fn parse(source: &str) -> Result<Formula, FormulaError> {
        let mut parser = Parser::new(source);
        if parser.peek()?.kind == Kind::End {
            return Err(FormulaError::at(0, "empty formula"));
        }
        let root = parser.expression(0, 0)?;
        let token = parser.advance()?;
        match token.kind {
            Kind::End => Ok(Formula { root: root.expr }),
            Kind::Close => Err(FormulaError::at(
                token.start,
                "unbalanced parenthesis: `)` has no matching `(`",
            )),
            _ => Err(parser.unexpected(token, "an operator or the end of the formula")),
        }
    }

    /// The indicator codes the formula reads.
    pub fn references(&self) -> BTreeSet<&str> {
        let mut codes = BTreeSet::new();
        self.root.collect_codes(&mut codes);
        codes
    }

    /// Computes the formula, asking `operand` for the value of each code.
    ///
    /// A code without a value makes the whole result `None`: a total with a
    /// missing part is not a smaller total, it is unknown. `min` and `max` are
    /// the exception: they skip arguments without a value (whether the operand
    /// is missing or the arithmetic is undefined) and are `None` only when no
    /// argument has one, because they are used to pick the best available
    /// figure among alternatives. Division by zero, overflow and non-finite
    /// operands also give `None`. Evaluation stops at the first missing
    /// value, so `operand` is not necessarily called for every reference.
    pub fn evaluate(&self, operand: &mut dyn FnMut(&str) -> Option<f64>) -> Option<f64> {
        // Adding zero turns -0 into 0, so callers never display "-0".
        self.root.evaluate(operand).map(|value| value + 0.0)
    }
}

impl FromStr for Formula {
    type Err = FormulaError;

    fn from_str(source: &str) -> Result<Self, Self::Err> {
        Self::parse(source)
    }
}

/// Canonical text: single spaces around binary operators, `, ` between
/// arguments, and only the brackets the structure requires.
impl fmt::Display for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.root.fmt(f)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Expr {
    Number(f64),
    Code(String),
    Neg(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Min(Vec<Expr>),
    Max(Vec<Expr>),
    Abs(Box<Expr>),
    Round(Box<Expr>, u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    /// Left and right binding powers; the right one is higher so that equal
    /// operators associate to the left (`A - B - C` is `(A - B) - C`).
    fn binding_power(self) -> (u8, u8) {
        match self {
            BinaryOp::Add | BinaryOp::Sub => (1, 2),
            BinaryOp::Mul | BinaryOp::Div => (3, 4),
        }
    }

    fn symbol(self) -> char {
        match self {
            BinaryOp::Add => '+',
            BinaryOp::Sub => '-',
            BinaryOp::Mul => '*',
            BinaryOp::Div => '/',
        }
    }

    /// Division by zero needs no special case: it yields an infinity or NaN,
    /// which the finiteness check in `Expr::evaluate` turns into `None`.
    fn apply(self, left: f64, right: f64) -> f64 {
        match self {
            BinaryOp::Add => left + right,
            BinaryOp::Sub => left - right,
            BinaryOp::Mul => left * right,
            BinaryOp::Div => left / right,
        }
    }
}

impl Expr {
    fn evaluate(&self, operand: &mut dyn FnMut(&str) -> Option<f64>) -> Option<f64> {
        let value = match self {
            Expr::Number(number) => *number,
            Expr::Code(code) => operand(code)?,
            Expr::Neg(inner) => -inner.evaluate(operand)?,
            Expr::Binary(op, left, right) => {
                let left = left.evaluate(operand)?;
                op.apply(left, right.evaluate(operand)?)
            }
            Expr::Min(args) => best_available(args, operand, f64::min)?,
            Expr::Max(args) => best_available(args, operand, f64::max)?,
            Expr::Abs(inner) => inner.evaluate(operand)?.abs(),
            Expr::Round(inner, digits) => round_half_away(inner.evaluate(operand)?, *digits),
        };
        // Checked at every node, so an infinity from one step cannot come back
        // as a finite but meaningless result (or a NaN) from a later one.
        value.is_finite().then_some(value)
    }

    fn collect_codes<'a>(&'a self, codes: &mut BTreeSet<&'a str>) {
        match self {
            Expr::Number(_) => {}
            Expr::Code(code) => {
                codes.insert(code);
            }
            Expr::Neg(inner) | Expr::Abs(inner) | Expr::Round(inner, _) => {
                inner.collect_codes(codes);
            }
            Expr::Binary(_, left, right) => {
                left.collect_codes(codes);
                right.collect_codes(codes);
            }
            Expr::Min(args) | Expr::Max(args) => {
                for arg in args {
                    arg.collect_codes(codes);
                }
            }
        }
    }

    /// How tightly the expression holds together when printed, compared with
    /// the binding powers of the operator around it.
    fn precedence(&self) -> u8 {
        match self {
            Expr::Binary(op, _, _) => op.binding_power().0,
            Expr::Neg(_) => PREFIX_POWER,
            _ => ATOM_POWER,
        }
    }

    fn fmt_operand(&self, f: &mut fmt::Formatter<'_>, min_precedence: u8) -> fmt::Result {
        if self.precedence() < min_precedence {
            write!(f, "({self})")
        } else {
            write!(f, "{self}")
        }
    }

    fn fmt_call(f: &mut fmt::Formatter<'_>, name: &str, args: &[Expr]) -> fmt::Result {
        write!(f, "{name}(")?;
        for (index, arg) in args.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{arg}")?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number(number) => {
                // Plain notation for everyday magnitudes; exponent notation
                // keeps 1e300 from printing 301 digits. Both forms are the
                // shortest text that parses back to the identical value.
                let magnitude = number.abs();
                if magnitude != 0.0 && !(1e-6..1e16).contains(&magnitude) {
                    write!(f, "{number:e}")
                } else {
                    write!(f, "{number}")
                }
            }
            Expr::Code(code) => f.write_str(code),
            Expr::Neg(inner) => {
                f.write_str("-")?;
                inner.fmt_operand(f, PREFIX_POWER)
            }
            Expr::Binary(op, left, right) => {
                let (left_power, right_power) = op.binding_power();
                left.fmt_operand(f, left_power)?;
                write!(f, " {} ", op.symbol())?;
                right.fmt_operand(f, right_power)
            }
            Expr::Min(args) => Expr::fmt_call(f, "min", args),
            Expr::Max(args) => Expr::fmt_call(f, "max", args),
            Expr::Abs(inner) => Expr::fmt_call(f, "abs", std::slice::from_ref(&**inner)),
            Expr::Round(inner, 0) => Expr::fmt_call(f, "round", std::slice::from_ref(&**inner)),
            Expr::Round(inner, digits) => write!(f, "round({inner}, {digits})"),
        }
    }
}

fn best_available(
    args: &[Expr],
    operand: &mut dyn FnMut(&str) -> Option<f64>,
    pick: fn(f64, f64) -> f64,
) -> Option<f64> {
    args.iter()
        .filter_map(|arg| arg.evaluate(operand))
        .reduce(pick)
}

/// Rounds half away from zero to `digits` decimals.
fn round_half_away(value: f64, digits: u8) -> f64 {
    // Every f64 of this magnitude is already an integer, and scaling such a
    // value further could overflow to infinity.
    const INTEGRAL: f64 = 4_503_599_627_370_496.0; // 2^52
    let scale = 10_f64.powi(i32::from(digits));
    let scaled = value * scale;
    if scaled.abs() >= INTEGRAL {
        return value;
    }
    // Decimal halves such as 1.005 are stored a hair below or above the half
    // (1.005 * 100 is 100.49999999999999), so a strict comparison would round
    // them the way nobody reading the formula expects. Anything within a few
    // units in the last place of a half counts as a half.
    let truncated = scaled.trunc();
    let tolerance = scaled.abs() * 4.0 * f64::EPSILON;
    let rounded = if ((scaled - truncated).abs() - 0.5).abs() <= tolerance {
        truncated + scaled.signum()
    } else {
        scaled.round()
    };
    rounded / scale
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Number(f64),
    /// An uppercase indicator code such as `BUD.REVENUE_TOTAL`.
    Code,
    /// A lowercase word: a function name, or a mistyped code.
    Name,
    Plus,
    Minus,
    Star,
    Slash,
    Open,
    Close,
    Comma,
    End,
}

impl Kind {
    fn binary_op(self) -> Option<BinaryOp> {
        match self {
            Kind::Plus => Some(BinaryOp::Add),
            Kind::Minus => Some(BinaryOp::Sub),
            Kind::Star => Some(BinaryOp::Mul),
            Kind::Slash => Some(BinaryOp::Div),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Kind,
    /// Character offsets, so errors point at what an editor shows.
    start: usize,
    end: usize,
}

#[derive(Clone, Copy)]
enum Function {
    Min,
    Max,
    Abs,
    Round,
}

impl Function {
    fn from_name(name: &str) -> Option<Function> {
        match name {
            "min" => Some(Function::Min),
            "max" => Some(Function::Max),
            "abs" => Some(Function::Abs),
            "round" => Some(Function::Round),
            _ => None,
        }
    }
}

/// A parsed subexpression with the depth of its tree, tracked while parsing
/// so that the depth limit costs nothing extra.
struct Node {
    expr: Expr,
    depth: usize,
}

impl Node {
    fn new(expr: Expr, depth: usize, position: usize) -> Result<Node, FormulaError> {
        if depth > MAX_DEPTH {
            return Err(FormulaError::at(
                position,
                format!("formula is too complex: more than {MAX_DEPTH} levels of operations"),
            ));
        }
        Ok(Node { expr, depth })
    }
}

/// Lexer and Pratt parser in one: tokens are read on demand so that the
/// first problem from the left is the one reported.
struct Parser {
    chars: Vec<char>,
    pos: usize,
    peeked: Option<Token>,
}

impl Parser {
    fn new(source: &str) -> Parser {
        Parser {
            chars: source.chars().collect(),
            pos: 0,
            peeked: None,
        }
    }

    fn peek(&mut self) -> Result<Token, FormulaError> {
        match self.peeked {
            Some(token) => Ok(token),
            None => {
                let token = self.lex()?;
                self.peeked = Some(token);
                Ok(token)
            }
        }
    }

    fn advance(&mut self) -> Result<Token, FormulaError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lex(),
        }
    }

    fn text(&self, token: Token) -> String {
        self.chars[token.start..token.end].iter().collect()
    }

    fn unexpected(&self, token: Token, expected: &str) -> FormulaError {
        let message = if token.kind == Kind::End {
            format!("unexpected end of formula, expected {expected}")
        } else {
            format!("unexpected `{}`, expected {expected}", self.text(token))
        };
        FormulaError::at(token.start, message)
    }

    fn current(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn lex(&mut self) -> Result<Token, FormulaError> {
        while self.current().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(c) = self.current() else {
            return Ok(Token {
                kind: Kind::End,
                start,
                end: start,
            });
        };
        let kind = match c {
            '0'..='9' => self.number()?,
            c if c.is_ascii_alphabetic() => self.word()?,
            _ => {
                let kind = match c {
                    '+' => Kind::Plus,
                    '-' => Kind::Minus,
                    '*' => Kind::Star,
                    '/' => Kind::Slash,
                    '(' => Kind::Open,
                    ')' => Kind::Close,
                    ',' => Kind::Comma,
                    other => {
                        return Err(FormulaError::at(
                            start,
                            format!("unexpected character {other:?}"),
                        ));
                    }
                };
                self.pos += 1;
                kind
            }
        };
        Ok(Token {
            kind,
            start,
            end: self.pos,
        })
    }

    fn skip_digits(&mut self) -> usize {
        let start = self.pos;
        while self.current().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Kind, FormulaError> {
        let start = self.pos;
        self.skip_digits();
        if self.current() == Some('.') {
            self.pos += 1;
            if self.skip_digits() == 0 {
                return Err(FormulaError::at(
                    self.pos,
                    "expected a digit after the decimal point",
                ));
            }
        }
        // An `e` only starts an exponent when digits follow, so that `2E` or
        // `2ENT.X` are reported as a missing operator rather than a bad number.
        if matches!(self.current(), Some('e' | 'E')) {
            let sign = usize::from(matches!(self.chars.get(self.pos + 1), Some('+' | '-')));
            if self
                .chars
                .get(self.pos + 1 + sign)
                .is_some_and(char::is_ascii_digit)
            {
                self.pos += 1 + sign;
                self.skip_digits();
            }
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(Kind::Number(value)),
            _ => Err(FormulaError::at(
                start,
                format!("number `{text}` is too large"),
            )),
        }
    }

    /// Reads a whole word, dots included, before classifying it, so a
    /// mistyped code is reported once and as a whole.
    fn word(&mut self) -> Result<Kind, FormulaError> {
        let start = self.pos;
        let is_word_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
        while self.current().is_some_and(is_word_char) {
            self.pos += 1;
        }
        while self.current() == Some('.') {
            self.pos += 1;
            let segment = self.pos;
            while self.current().is_some_and(is_word_char) {
                self.pos += 1;
            }
            if self.pos == segment {
                return Err(FormulaError::at(
                    segment,
                    "expected letters, digits or `_` after `.` in a code",
                ));
            }
        }
        let word = &self.chars[start..self.pos];
        if !word.iter().any(char::is_ascii_lowercase) {
            Ok(Kind::Code)
        } else if !word.iter().any(char::is_ascii_uppercase) {
            Ok(Kind::Name)
        } else {
            Err(FormulaError::at(
                start,
                format!(
                    "`{}` mixes upper and lowercase: codes are uppercase, functions lowercase",
                    word.iter().collect::<String>()
                ),
            ))
        }
    }

    /// One more level of brackets, call or unary minus.
    fn nest(nesting: usize, at: Token) -> Result<usize, FormulaError> {
        if nesting >= MAX_NESTING {
            return Err(FormulaError::at(
                at.start,
                format!("formula is nested too deeply: more than {MAX_NESTING} levels"),
            ));
        }
        Ok(nesting + 1)
    }

    /// Parses operators binding at least as tightly as `min_power`.
    fn expression(&mut self, min_power: u8, nesting: usize) -> Result<Node, FormulaError> {
        let mut left = self.operand(nesting)?;
        loop {
            let token = self.peek()?;
            let Some(op) = token.kind.binary_op() else {
                break;
            };
            let (left_power, right_power) = op.binding_power();
            if left_power < min_power {
                break;
            }
            self.advance()?;
            // No extra nesting: this recursion is bounded by the number of
            // precedence levels, and each deeper call consumes a token.
            let right = self.expression(right_power, nesting)?;
            let depth = 1 + left.depth.max(right.depth);
            let expr = Expr::Binary(op, Box::new(left.expr), Box::new(right.expr));
            left = Node::new(expr, depth, token.start)?;
        }
        Ok(left)
    }

    fn operand(&mut self, nesting: usize) -> Result<Node, FormulaError> {
        let token = self.advance()?;
        match token.kind {
            Kind::Number(value) => Node::new(Expr::Number(value), 1, token.start),
            Kind::Code => Node::new(Expr::Code(self.text(token)), 1, token.start),
            Kind::Minus => {
                let inner = self.operand(Self::nest(nesting, token)?)?;
                Node::new(
                    Expr::Neg(Box::new(inner.expr)),
                    inner.depth + 1,
                    token.start,
                )
            }
            Kind::Open => {
                let inner = self.expression(0, Self::nest(nesting, token)?)?;
                let close = self.advance()?;
                match close.kind {
                    Kind::Close => Ok(inner),
                    Kind::End => Err(unclosed(token)),
                    _ => Err(self.unexpected(close, "an operator or `)`")),
                }
            }
            Kind::Name => self.call(token, nesting),
            _ => Err(self.unexpected(token, "a number, a code, a function or `(`")),
        }
    }

    fn call(&mut self, name_token: Token, nesting: usize) -> Result<Node, FormulaError> {
        let name = self.text(name_token);
        let function = Function::from_name(&name);
        if self.peek()?.kind != Kind::Open {
            let message = match function {
                Some(_) => format!("function `{name}` must be followed by `(`"),
                None => format!("unknown function or lowercase code `{name}`"),
            };
            return Err(FormulaError::at(name_token.start, message));
        }
        let Some(function) = function else {
            return Err(FormulaError::at(
                name_token.start,
                format!("unknown function `{name}` (known: min, max, abs, round)"),
            ));
        };
        let open = self.advance()?;
        let nesting = Self::nest(nesting, name_token)?;

        // Start positions are kept to point errors about one argument at it.
        let mut args: Vec<(Node, usize)> = Vec::new();
        if self.peek()?.kind == Kind::Close {
            self.advance()?;
        } else {
            loop {
                let start = self.peek()?.start;
                args.push((self.expression(0, nesting)?, start));
                let token = self.advance()?;
                match token.kind {
                    Kind::Comma => {}
                    Kind::Close => break,
                    Kind::End => return Err(unclosed(open)),
                    _ => return Err(self.unexpected(token, "an operator, `,` or `)`")),
                }
            }
        }

        let depth = 1 + args.iter().map(|(arg, _)| arg.depth).max().unwrap_or(0);
        let count = args.len();
        let arity_error = |expected: &str| {
            FormulaError::at(
                name_token.start,
                format!("function `{name}` takes {expected}, found {count}"),
            )
        };
        let mut exprs = args.into_iter().map(|(arg, start)| (arg.expr, start));
        let expr = match function {
            Function::Min | Function::Max if count == 0 => {
                return Err(arity_error("at least 1 argument"));
            }
            Function::Min => Expr::Min(exprs.map(|(expr, _)| expr).collect()),
            Function::Max => Expr::Max(exprs.map(|(expr, _)| expr).collect()),
            Function::Abs => match (exprs.next(), exprs.next()) {
                (Some((inner, _)), None) => Expr::Abs(Box::new(inner)),
                _ => return Err(arity_error("1 argument")),
            },
            Function::Round => match (exprs.next(), exprs.next(), exprs.next()) {
                (Some((inner, _)), None, None) => Expr::Round(Box::new(inner), 0),
                (Some((inner, _)), Some((digits, start)), None) => {
                    Expr::Round(Box::new(inner), round_digits(&digits, start)?)
                }
                _ => return Err(arity_error("1 or 2 arguments")),
            },
        };
        Node::new(expr, depth, name_token.start)
    }
}

fn unclosed(open: Token) -> FormulaError {
    FormulaError::at(open.start, "unbalanced parenthesis: `(` is never closed")
}

/// The digits must be known when the formula is defined: a data-dependent
/// precision would make the same indicator display inconsistently.
fn round_digits(digits: &Expr, start: usize) -> Result<u8, FormulaError> {
    match digits {
        Expr::Number(value)
            if value.fract() == 0.0 && (0.0..=f64::from(MAX_ROUND_DIGITS)).contains(value) =>
        {
            // Exact: an integer between 0 and 10.
            Ok(*value as u8)
        }
        _ => Err(FormulaError::at(
            start,
            format!(
                "the digits of `round` must be an integer constant from 0 to {MAX_ROUND_DIGITS}"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(formula: &str, operands: &[(&str, f64)], expected: Option<f64>) {
        let parsed = Formula::parse(formula).unwrap_or_else(|error| panic!("{formula}: {error}"));
        let mut lookup = |code: &str| {
            operands
                .iter()
                .find(|(name, _)| *name == code)
                .map(|&(_, value)| value)
        };
        let actual = parsed.evaluate(&mut lookup);
        match (actual, expected) {
            (Some(actual), Some(expected)) => assert!(
                (actual - expected).abs() <= 1e-12 * expected.abs().max(1.0),
                "{formula}: got {actual}, expected {expected}"
            ),
            _ => assert_eq!(actual, expected, "{formula}"),
        }
    }

    fn check_error(formula: &str, position: usize, message: &str) {
        let error = Formula::parse(formula).expect_err(formula);
        assert_eq!(error.position, position, "{formula}: {error}");
        assert!(
            error.message.contains(message),
            "{formula}: `{}` does not mention `{message}`",
            error.message
        );
    }

    fn canonical(formula: &str) -> String {
        Formula::parse(formula).unwrap().to_string()
    }

    #[test]
    fn precedence() {
        check("1 + 2 * 3", &[], Some(7.0));
        check("2 * 3 + 4", &[], Some(10.0));
        check("10 - 4 / 2", &[], Some(8.0));
        check("(1 + 2) * 3", &[], Some(9.0));
        check("2 * (3 + 4) - 1", &[], Some(13.0));
    }

    #[test]
    fn left_associativity() {
        let operands = [("A", 24.0), ("B", 4.0), ("C", 2.0)];
        check("A - B - C", &operands, Some(18.0));
        check("A / B / C", &operands, Some(3.0));
        check("A - (B - C)", &operands, Some(22.0));
        check("A / (B / C)", &operands, Some(12.0));
        check("A / B * C", &operands, Some(12.0));
    }

    #[test]
    fn unary_minus() {
        let operands = [("A", 2.0), ("B", 3.0)];
        check("-A * B", &operands, Some(-6.0));
        check("--A", &operands, Some(2.0));
        check("-(A + B)", &operands, Some(-5.0));
        check("A - -B", &operands, Some(5.0));
        check("-A - B", &operands, Some(-5.0));
        check("-2 * -3", &[], Some(6.0));
        assert_eq!(
            Formula::parse("-A * B").unwrap(),
            Formula::parse("(-A) * B").unwrap()
        );
    }

    #[test]
    fn numbers() {
        check("0.5", &[], Some(0.5));
        check("1e3 + 2.5E-1", &[], Some(1000.25));
        check("1e+2", &[], Some(100.0));
        check("007", &[], Some(7.0));
    }

    #[test]
    fn indicator_examples() {
        check(
            "100 * BUD.REVENUE_TOTAL / BUD.REVENUE_ESTIMATE",
            &[("BUD.REVENUE_TOTAL", 45.0), ("BUD.REVENUE_ESTIMATE", 60.0)],
            Some(75.0),
        );
        check(
            "ENT.SUSPENDED + ENT.AWAITING_DISSOLUTION + ENT.DISSOLVED",
            &[
                ("ENT.SUSPENDED", 10.0),
                ("ENT.AWAITING_DISSOLUTION", 5.0),
                ("ENT.DISSOLVED", 2.0),
            ],
            Some(17.0),
        );
        check(
            "10 * AGR.RICE_OUTPUT / AGR.RICE_AREA",
            &[("AGR.RICE_OUTPUT", 600.0), ("AGR.RICE_AREA", 100.0)],
            Some(60.0),
        );
        check(
            "100 * (PAR.PROC_ONLINE_FULL + PAR.PROC_ONLINE_PARTIAL) / PAR.PROC_TOTAL",
            &[
                ("PAR.PROC_ONLINE_FULL", 30.0),
                ("PAR.PROC_ONLINE_PARTIAL", 20.0),
                ("PAR.PROC_TOTAL", 200.0),
            ],
            Some(25.0),
        );
        check("round(max(A.X, 0) / 3, 1)", &[("A.X", 10.0)], Some(3.3));
        check("round(max(A.X, 0) / 3, 1)", &[("A.X", -10.0)], Some(0.0));
        check("\t100*BUD.X\n/ 2 ", &[("BUD.X", 3.0)], Some(150.0));
    }

    #[test]
    fn functions() {
        let operands = [("A", -4.0), ("B", 7.5)];
        check("min(A, B, 3)", &operands, Some(-4.0));
        check("max(A, B, 3)", &operands, Some(7.5));
        check("max(A)", &operands, Some(-4.0));
        check("abs(A)", &operands, Some(4.0));
        check("abs(-B)", &operands, Some(7.5));
        check("round(B)", &operands, Some(8.0));
        check("round(2.5)", &[], Some(3.0));
        check("round(-2.5)", &[], Some(-3.0));
        check("round(2.4)", &[], Some(2.0));
        check("round(1.005, 2)", &[], Some(1.01));
        check("round(2.675, 2)", &[], Some(2.68));
        check("round(-0.125, 2)", &[], Some(-0.13));
        check("round(1.2345, 0)", &[], Some(1.0));
        check("round(123456.789, 10)", &[], Some(123456.789));
        check("round(1e300, 10)", &[], Some(1e300));
        check("round(2, 1e1)", &[], Some(2.0));
    }

    #[test]
    fn missing_operands() {
        let operands = [("A", 5.0), ("Z", 0.0)];
        check("A + B", &operands, None);
        check("B * 0", &operands, None);
        check("abs(B)", &operands, None);
        check("round(B, 2)", &operands, None);
        check("-B", &operands, None);
        check("max(A, B)", &operands, Some(5.0));
        check("min(B, A, C)", &operands, Some(5.0));
        check("max(B, C)", &operands, None);
        check("max(B, C) + A", &operands, None);
        check("min(A / Z, 7)", &operands, Some(7.0));
    }

    #[test]
    fn undefined_arithmetic_has_no_value() {
        let operands = [("A", 5.0), ("Z", 0.0)];
        check("A / Z", &operands, None);
        check("Z / Z", &operands, None);
        check("A / (A - A)", &operands, None);
        check("A / -Z", &operands, None);
        check("1e308 * 10", &[], None);
        check("1e308 * 10 - 1e308 * 10", &[], None);
        check("A", &[("A", f64::INFINITY)], None);
        check("A * 0", &[("A", f64::NAN)], None);
        check("max(A, 1)", &[("A", f64::NAN)], Some(1.0));
    }

    #[test]
    fn negative_zero_is_reported_as_zero() {
        let value = Formula::parse("-0").unwrap().evaluate(&mut |_: &str| None);
        assert!(value.is_some_and(|v| v == 0.0 && v.is_sign_positive()));
        let value = Formula::parse("round(-0.4)")
            .unwrap()
            .evaluate(&mut |_: &str| None);
        assert!(value.is_some_and(|v| v == 0.0 && v.is_sign_positive()));
    }

    #[test]
    fn references_lists_each_code_once() {
        let formula = Formula::parse("A.X + max(B, A.X) * round(-C_1, 2) / 100").unwrap();
        let expected: BTreeSet<&str> = ["A.X", "B", "C_1"].into_iter().collect();
        assert_eq!(formula.references(), expected);
        assert!(Formula::parse("1 + 2").unwrap().references().is_empty());
    }

    #[test]
    fn evaluation_stops_at_the_first_missing_value() {
        let formula = Formula::parse("A + B").unwrap();
        let mut asked = Vec::new();
        let value = formula.evaluate(&mut |code: &str| {
            asked.push(code.to_owned());
            None
        });
        assert_eq!(value, None);
        assert_eq!(asked, ["A"]);
    }

    #[test]
    fn display_is_canonical_with_minimal_brackets() {
        let cases = [
            ("A-(B-C)", "A - (B - C)"),
            ("(A-B)-C", "A - B - C"),
            ("A/(B*C)", "A / (B * C)"),
            ("(A*B)/C", "A * B / C"),
            ("(A+B)*C", "(A + B) * C"),
            ("A+(B*C)", "A + B * C"),
            ("-(A*B)", "-(A * B)"),
            ("(-A)*B", "-A * B"),
            ("-(-(A))", "--A"),
            ("A-(-B)", "A - -B"),
            ("round(X,0)", "round(X)"),
            ("round( X , 2 )", "round(X, 2)"),
            ("max( A ,(B) )", "max(A, B)"),
            ("abs((A+B))", "abs(A + B)"),
            ("1e20", "1e20"),
            ("0.0000001", "1e-7"),
            ("1.50", "1.5"),
            ("1000000", "1000000"),
            (
                "100*(PAR.PROC_ONLINE_FULL+PAR.PROC_ONLINE_PARTIAL)/PAR.PROC_TOTAL",
                "100 * (PAR.PROC_ONLINE_FULL + PAR.PROC_ONLINE_PARTIAL) / PAR.PROC_TOTAL",
            ),
        ];
        for (source, expected) in cases {
            assert_eq!(canonical(source), expected, "{source}");
            let parsed = Formula::parse(source).unwrap();
            assert_eq!(Formula::parse(expected).unwrap(), parsed, "{source}");
        }
    }

    #[test]
    fn from_str_matches_parse() {
        let parsed: Formula = "A + 1".parse().unwrap();
        assert_eq!(parsed, Formula::parse("A + 1").unwrap());
        assert!("A +".parse::<Formula>().is_err());
    }

    #[test]
    fn error_display_names_the_position() {
        let error = Formula::parse("A + $").unwrap_err();
        assert_eq!(
            error.to_string(),
            "formula error at character 4: unexpected character '$'"
        );
    }

    #[test]
    fn empty_formula() {
        check_error("", 0, "empty formula");
        check_error("  \t ", 0, "empty formula");
    }

    #[test]
    fn unexpected_character() {
        check_error("A + $", 4, "unexpected character '$'");
        check_error("A.X # B", 4, "unexpected character '#'");
        check_error("_A", 0, "unexpected character '_'");
        check_error(".5", 0, "unexpected character '.'");
        check_error("A ^ 2", 2, "unexpected character '^'");
        check_error("é", 0, "unexpected character 'é'");
        // Positions count characters, not bytes.
        check_error("\u{a0}\u{a0}A $", 4, "unexpected character '$'");
        check_error("A\u{0}", 1, r"unexpected character '\0'");
    }

    #[test]
    fn unexpected_end() {
        check_error("A +", 3, "unexpected end of formula");
        check_error("-", 1, "unexpected end of formula");
        check_error("max(A,", 6, "unexpected end of formula");
    }

    #[test]
    fn unexpected_token() {
        check_error("A B", 2, "unexpected `B`, expected an operator");
        check_error("(A B)", 3, "unexpected `B`, expected an operator or `)`");
        check_error(
            "max(A B)",
            6,
            "unexpected `B`, expected an operator, `,` or `)`",
        );
        check_error("A * * B", 4, "unexpected `*`");
        check_error("+A", 0, "unexpected `+`");
        check_error("()", 1, "unexpected `)`");
        check_error("max(A,)", 6, "unexpected `)`");
        check_error("max(,A)", 4, "unexpected `,`");
        check_error("A, B", 1, "unexpected `,`");
        check_error("2ENT.X", 1, "unexpected `ENT.X`");
        check_error("MAX(A)", 3, "unexpected `(`");
    }

    #[test]
    fn malformed_words_and_numbers() {
        check_error("A + Bud.X", 4, "mixes upper and lowercase");
        check_error("A.x", 0, "mixes upper and lowercase");
        check_error("A. + 1", 2, "after `.`");
        check_error("A..B", 2, "after `.`");
        check_error("1. + 2", 2, "after the decimal point");
        check_error("1e999", 0, "too large");
    }

    #[test]
    fn unknown_function() {
        check_error("foo(A)", 0, "unknown function `foo`");
        check_error("A + sum(A, B)", 4, "unknown function `sum`");
    }

    #[test]
    fn lowercase_code() {
        check_error("foo + 1", 0, "unknown function or lowercase code `foo`");
        check_error(
            "1 + bud.revenue_total",
            4,
            "unknown function or lowercase code `bud.revenue_total`",
        );
        check_error("max + 1", 0, "function `max` must be followed by `(`");
    }

    #[test]
    fn wrong_argument_count() {
        check_error(
            "min()",
            0,
            "function `min` takes at least 1 argument, found 0",
        );
        check_error("A + max()", 4, "at least 1 argument");
        check_error("abs()", 0, "function `abs` takes 1 argument, found 0");
        check_error("abs(A, B)", 0, "function `abs` takes 1 argument, found 2");
        check_error("round()", 0, "takes 1 or 2 arguments, found 0");
        check_error("round(A, 1, 2)", 0, "takes 1 or 2 arguments, found 3");
    }

    #[test]
    fn round_digits_must_be_a_small_integer_constant() {
        check_error("round(A, B)", 9, "integer constant from 0 to 10");
        check_error("round(A, 11)", 9, "integer constant from 0 to 10");
        check_error("round(A,  1.5)", 10, "integer constant");
        check_error("round(A, -1)", 9, "integer constant");
        check_error("round(A, 1 + 1)", 9, "integer constant");
        assert_eq!(canonical("round(A, 10)"), "round(A, 10)");
    }

    #[test]
    fn unbalanced_parenthesis() {
        check_error("(A + B", 0, "unbalanced parenthesis");
        check_error("((A + B)", 0, "`(` is never closed");
        check_error("(A + (B)", 0, "`(` is never closed");
        check_error("A + B)", 5, "`)` has no matching `(`");
        check_error("max(A, B", 3, "unbalanced parenthesis");
        check_error("max(abs(A), B", 3, "unbalanced parenthesis");
    }

    #[test]
    fn nesting_is_limited() {
        let nested = |levels: usize| format!("{}A{}", "(".repeat(levels), ")".repeat(levels));
        assert!(Formula::parse(&nested(MAX_NESTING)).is_ok());
        check_error(&nested(MAX_NESTING + 1), MAX_NESTING, "nested too deeply");
        check_error(&nested(100_000), MAX_NESTING, "nested too deeply");
        check_error(&"(".repeat(100_000), MAX_NESTING, "nested too deeply");

        let minus = |levels: usize| format!("{}A", "-".repeat(levels));
        assert!(Formula::parse(&minus(MAX_NESTING)).is_ok());
        check_error(&minus(100_000), MAX_NESTING, "nested too deeply");

        let calls = |levels: usize| format!("{}A{}", "abs(".repeat(levels), ")".repeat(levels));
        assert!(Formula::parse(&calls(MAX_NESTING)).is_ok());
        check_error(
            &calls(MAX_NESTING + 1),
            4 * MAX_NESTING,
            "nested too deeply",
        );
    }

    #[test]
    fn long_chains_are_limited_but_safe_up_to_the_limit() {
        let sum = |terms: usize| vec!["A"; terms].join(" + ");
        let formula = Formula::parse(&sum(MAX_DEPTH)).unwrap();
        assert_eq!(
            formula.evaluate(&mut |_: &str| Some(1.0)),
            Some(MAX_DEPTH as f64)
        );
        assert_eq!(Formula::parse(&formula.to_string()).unwrap(), formula);
        assert!(!format!("{formula:#?}").is_empty());
        check_error(&sum(MAX_DEPTH + 1), 4 * MAX_DEPTH - 2, "too complex");
        check_error(&sum(1_000_000), 4 * MAX_DEPTH - 2, "too complex");
    }
}
