import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { CHART_FONT, intensityChart } from '../report/charts.ts';
import { sampleReport } from '../../test/support/report-render.ts';
import { chartAttachment, chartPng, fontsAvailable } from './png.ts';

const model = sampleReport();

describe('PNG', () => {
  it('renders at twice the size with text drawn', () => {
    expect(fontsAvailable(CHART_FONT)).toBe(true);
    const chart = intensityChart(model.intensity);
    const png = chartPng(chart);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // Width and height from the IHDR chunk.
    expect(png.readUInt32BE(16)).toBe(chart.width * 2);
    expect(png.readUInt32BE(20)).toBe(chart.height * 2);
    // Text makes a difference: the same chart without fonts has fewer dark pixels.
    const dark = (pixels: Buffer): number => {
      let n = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 80 && pixels[i + 1]! < 80 && pixels[i + 2]! < 80) n++;
      return n;
    };
    const withFonts = new Resvg(chart.svg, { background: '#fff', font: { loadSystemFonts: true } }).render().pixels;
    const without = new Resvg(chart.svg, { background: '#fff', font: { loadSystemFonts: false } }).render().pixels;
    expect(dark(withFonts)).toBeGreaterThan(dark(without) + 500);
  });
});

describe('chartAttachment', () => {
  it('is an inline PNG named after the chart, with its Content-ID', () => {
    const chart = intensityChart(model.intensity, { id: 'chart-intensity' });
    const a = chartAttachment({ id: chart.id, cid: 'chart-intensity@kinetic', svg: chart.svg }, 1);
    expect(a).toMatchObject({ filename: 'chart-intensity.png', contentType: 'image/png', cid: 'chart-intensity@kinetic' });
    expect(a.content.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(a.content.readUInt32BE(16)).toBe(chart.width);
  });
});
