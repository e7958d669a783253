import { createRouter, createWebHistory } from 'vue-router'
import OverviewView from './views/OverviewView.vue'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'overview', component: OverviewView },
    { path: '/d/:domain', name: 'domain', component: () => import('./views/DomainView.vue') },
    { path: '/i/:code', name: 'indicator', component: () => import('./views/IndicatorView.vue') },
    { path: '/u/:code', name: 'unit', component: () => import('./views/UnitView.vue') },
    { path: '/map', name: 'map', component: () => import('./views/MapView.vue') },
    { path: '/nhap-lieu', name: 'entry', component: () => import('./views/EntryView.vue') },
    { path: '/duyet', name: 'review', component: () => import('./views/ReviewView.vue') },
    { path: '/canh-bao', name: 'alerts', component: () => import('./views/AlertsView.vue') },
    { path: '/canh-bao/:id(\\d+)', name: 'alert', component: () => import('./views/AlertDetailView.vue') },
    { path: '/cap-nhat-so-lieu', name: 'reporting', component: () => import('./views/ReportingView.vue') },
    { path: '/ket-noi', name: 'connectors', component: () => import('./views/ConnectorsView.vue') },
    { path: '/wall', name: 'wall', component: () => import('./views/WallView.vue'), meta: { bare: true } },
    { path: '/sign-in', name: 'sign-in', component: () => import('./views/SignInView.vue') },
    { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue') },
  ],
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
})
