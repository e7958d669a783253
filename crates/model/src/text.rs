//! Text folding for Vietnamese search: users type without diacritics (`ngan sach`) and expect to find
//! `Ngân sách`. Folding decomposes to NFD, drops the combining marks and maps `đ` to `d`, which `đ` needs because
//! it has no decomposition.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cased, diacritic-free form of `text`, with runs of whitespace collapsed to one space.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_whitespace() {
            pending_space = !folded.is_empty();
            continue;
        }
        if pending_space {
            folded.push(' ');
            pending_space = false;
        }
        match c {
            'đ' | 'Đ' => folded.push('d'),
            _ => folded.extend(c.to_lowercase()),
        }
    }
    folded
}

/// Whether every word of `query` occurs in `text`, both folded.
pub fn matches(text: &str, query: &str) -> bool {
    let haystack = fold(text);
    fold(query).split(' ').all(|word| haystack.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_letters() {
        assert_eq!(fold("Ngân sách  NHÀ nước"), "ngan sach nha nuoc");
        assert_eq!(fold("Đắk Nông"), "dak nong");
        assert_eq!(fold("Phú Thuỷ"), fold("phu thuy"));
        assert_eq!(fold("  Quảng Hoà "), "quang hoa");
    }

    #[test]
    fn matches_words_in_any_order() {
        assert!(matches("Thu ngân sách nhà nước", "ngan sach"));
        assert!(matches("Thu ngân sách nhà nước", "NUOC thu"));
        assert!(!matches("Thu ngân sách nhà nước", "chi ngan sach"));
        assert!(matches("anything", ""));
    }
}
