# Independent cross-check of the Kaplan-Meier and Clopper-Pearson numbers in out/adam/summary.json with R.
# Needs R with the survival and haven packages (Debian: r-base-core r-cran-survival r-cran-haven).
#   Rscript scripts/check_km.R out/adam/adtte.xpt
library(haven); library(survival)
tte <- read_xpt(commandArgs(trailingOnly = TRUE)[1])
for (p in c("PFS", "OS")) {
  d <- tte[tte$PARAMCD == p, ]
  fit <- survfit(Surv(AVAL, CNSR == 0) ~ 1, data = d, conf.type = "log-log")
  s <- summary(fit)$table
  cat(p, "n", s["records"], "events", s["events"], "median", s["median"], "LCL", s["0.95LCL"], "UCL", s["0.95UCL"], "\n")
  lm <- summary(fit, times = c(28, 91, 182, 365), extend = TRUE)
  print(data.frame(time = lm$time, surv = round(lm$surv, 4), lower = round(lm$lower, 4), upper = round(lm$upper, 4)))
}
b <- binom.test(6, 12); cat("CP 6/12", round(b$conf.int, 4), "\n")
b <- binom.test(10, 12); cat("CP 10/12", round(b$conf.int, 4), "\n")
