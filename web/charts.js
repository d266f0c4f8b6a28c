// Chart.js (MIT), vendored in web/vendor/chartjs (the insights report inlines the same file). Loaded on
// first use with its checksum as the script's integrity, so a changed file is refused by the browser.
const CHARTJS = { src: 'vendor/chartjs/chart.umd.min.js', integrity: 'sha256-hzZMwrKnamaEkp59a4Cxiol3lNs4QAyv8fzxeRxpJdI=' };
export const SENTIMENT_COLOURS = { POSITIVE: '#2e9d6a', NEUTRAL: '#9aa5b1', MIXED: '#e0a526', NEGATIVE: '#d64545', UNSCORED: '#d5d9de' };

let loading = null;

export function chartLibrary() {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = Object.assign(document.createElement('script'), { src: CHARTJS.src, integrity: CHARTJS.integrity, crossOrigin: 'anonymous' });
      script.onload = () => resolve(window.Chart);
      script.onerror = () => {
        loading = null;
        reject(new Error('the chart library could not be loaded'));
      };
      document.head.append(script);
    });
  }
  return loading;
}

// The owner's charts from one insights answer: customers per week, satisfaction per week, sentiment overall.
export async function drawInsightsCharts(canvases, insights) {
  const Chart = await chartLibrary();
  const still = { animation: false, maintainAspectRatio: false };
  const cw = insights.customers.weeks;
  new Chart(canvases.customers, {
    data: {
      labels: cw.map((w) => w.isoWeek),
      datasets: [
        { type: 'bar', label: 'new customers', data: cw.map((w) => w.new), backgroundColor: '#d597bd' },
        { type: 'line', label: 'customers so far', data: cw.map((w) => w.cumulative), borderColor: '#6b46c1' },
      ],
    },
    options: { ...still, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  const sw = insights.satisfaction.weeks;
  new Chart(canvases.satisfaction, {
    type: 'line',
    data: { labels: sw.map((w) => w.isoWeek), datasets: [{ label: 'average positivity', data: sw.map((w) => w.avgPositivity), borderColor: '#2e9d6a', spanGaps: true }] },
    options: { ...still, scales: { y: { min: 0, max: 1 } } },
  });
  const kinds = Object.keys(SENTIMENT_COLOURS);
  new Chart(canvases.sentiment, {
    type: 'doughnut',
    data: { labels: kinds.map((k) => k.toLowerCase()), datasets: [{ data: kinds.map((k) => insights.sentiment.overall[k] || 0), backgroundColor: kinds.map((k) => SENTIMENT_COLOURS[k]) }] },
    options: { ...still, plugins: { legend: { position: 'bottom' } } },
  });
}
