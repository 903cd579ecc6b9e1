// Answered and missed calls by hour, one bar chart per line (data from json_script).
document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
  const id = canvas.dataset.chart.split("-").pop();
  const data = JSON.parse(document.getElementById(id).textContent);
  const labels = [...Array(24).keys()].map((h) => `${h}h`);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels,
      datasets: [
        { label: canvas.closest("section").dataset.answeredLabel || "✓", data: data.answered, backgroundColor: "#198754", stack: "calls" },
        { label: canvas.closest("section").dataset.missedLabel || "✗", data: data.missed, backgroundColor: "#dc3545", stack: "calls" },
      ],
    },
    options: { animation: false, responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
});
