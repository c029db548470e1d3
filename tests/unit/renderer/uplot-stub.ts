/** jsdom has no canvas: uPlot stands in as a chart that draws nothing (the e2e tests draw it in Chromium). */
export default class {
  setData() {}
  setSize() {}
  destroy() {}
}
