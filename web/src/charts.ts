/** ECharts, tree-shaken to the charts and components the app draws. */
import { use } from 'echarts/core'
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, MarkLineComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([LineChart, BarChart, GridComponent, TooltipComponent, MarkLineComponent, CanvasRenderer])

export { init, type EChartsType } from 'echarts/core'
export type { EChartsCoreOption as ChartOption } from 'echarts/core'

/** Colours read from the CSS variables so the wall's dark theme applies to charts too. */
export function cssColor(name: string, element: Element = document.documentElement): string {
  return getComputedStyle(element).getPropertyValue(name).trim() || '#0b5c8f'
}
