import { describe, expect, it } from 'vitest'
import { BAND_COLORS, bandColor, bandOf, quantileBreaks } from '../src/bands'

describe('value bands', () => {
  it('splits values into quantiles', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    expect(quantileBreaks(values, 5)).toEqual([2, 4, 6, 8, 10])
    expect(bandOf(1, [2, 4, 6, 8, 10])).toBe(0)
    expect(bandOf(7, [2, 4, 6, 8, 10])).toBe(3)
    expect(bandOf(99, [2, 4, 6, 8, 10])).toBe(4)
  })
  it('collapses equal bounds', () => {
    expect(quantileBreaks([5, 5, 5, 5, 9], 5)).toEqual([5, 9])
    expect(quantileBreaks([], 5)).toEqual([])
  })
  it('keeps the darkest colour for the top class', () => {
    expect(bandColor(1, 2)).toBe(BAND_COLORS[4])
    expect(bandColor(0, 2)).toBe(BAND_COLORS[0])
    expect(bandColor(0, 1)).toBe(BAND_COLORS[4])
  })
})
