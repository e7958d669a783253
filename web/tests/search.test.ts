import { describe, expect, it } from 'vitest'
import { fold, matches, search } from '../src/search'

describe('diacritic-free search', () => {
  it('folds marks and đ', () => {
    expect(fold('Ngân sách Nhà nước')).toBe('ngan sach nha nuoc')
    expect(fold('Đắk Nông')).toBe('dak nong')
    expect(fold('Lâm Đồng')).toBe('lam dong')
  })
  it('matches every word anywhere', () => {
    expect(matches('ngan sach', 'Thu ngân sách nhà nước')).toBe(true)
    expect(matches('sach thu', 'Thu ngân sách')).toBe(true)
    expect(matches('đa lat', 'Phường Đà Lạt')).toBe(true)
    expect(matches('da lat', 'Phường Đà Lạt')).toBe(true)
    expect(matches('ngan hang', 'Thu ngân sách')).toBe(false)
  })
  it('ranks prefix hits first', () => {
    const items = ['Thu ngân sách', 'Ngân sách xã', 'Chi ngân sách']
    expect(search(items, 'ngan sach', (s) => [s])).toEqual(['Ngân sách xã', 'Thu ngân sách', 'Chi ngân sách'])
    expect(search(items, '', (s) => [s])).toEqual([])
  })
})
