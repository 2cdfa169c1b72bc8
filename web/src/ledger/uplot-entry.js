// uPlot (the balance chart) as an ES module for the ledger page; its stylesheet
// is emitted next to it as uplot.css.
import 'uplot/dist/uPlot.min.css';

export { default as uPlot } from 'uplot';
